using System.Reflection;
using System.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp.Native;
using Microsoft.Extensions.Logging;

namespace CustomGpt.LlamaCpp;

/// <summary>
/// Process-wide llama.cpp setup: maps library names to the pinned files beside the app, loads the
/// CPU backend that fits this processor, and routes llama.cpp's log lines to an <see cref="ILogger"/>.
/// </summary>
public static unsafe class LlamaBackend
{
    static readonly Lock Gate = new();
    static bool initialized;
    static ILogger? logger;
    static readonly StringBuilder PendingLine = new();
    static int pendingLevel;

    /// <summary>The folder holding libllama and the ggml backends (the app's own folder).</summary>
    public static string LibraryDirectory { get; } = AppContext.BaseDirectory;

    /// <summary>Whether the C heap was set to give large blocks back (glibc; see NativeHeap).</summary>
    public static bool HeapTuned { get; private set; }

    /// <summary>Safe to call many times; the first call does the work.</summary>
    public static void EnsureInitialized(ILogger? log = null)
    {
        lock (Gate)
        {
            if (log is not null) logger = log;
            if (initialized) return;
            NativeLibrary.SetDllImportResolver(typeof(LlamaBackend).Assembly, Resolve);
            HeapTuned = NativeHeap.ReturnLargeBlocksToTheSystem();
            NativeMethods.llama_log_set(&OnLog, 0);
            // ggml picks the CPU variant (haswell, zen4, ...) from the folder, so load before any model.
            NativeMethods.ggml_backend_load_all_from_path(LibraryDirectory);
            NativeMethods.llama_backend_init();
            initialized = true;
        }
    }

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        var file = name switch
        {
            NativeMethods.Llama => "libllama.v0.5.0.so",
            NativeMethods.Ggml => "libggml.v0.5.0.so",
            NativeMethods.GgmlBase => "libggml-base.so",
            _ => null,
        };
        if (file is null) return 0;
        var full = Path.Combine(LibraryDirectory, file);
        if (!File.Exists(full))
            throw new DllNotFoundException($"{full} is missing: the build places the llama.cpp libraries beside the app (LlamaCpp/LlamaNative.targets).");
        return NativeLibrary.Load(full);
    }

    // Never throw out of a native callback. Lines can arrive in pieces (level 5 continues the last).
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void OnLog(int level, byte* text, nint userData)
    {
        try
        {
            var log = logger;
            if (log is null || text is null) return;
            var piece = Marshal.PtrToStringUTF8((nint)text) ?? "";
            lock (PendingLine)
            {
                if (level != 5) pendingLevel = level; // 5 = GGML_LOG_LEVEL_CONT
                PendingLine.Append(piece);
                if (!piece.EndsWith('\n')) return;
                var line = PendingLine.ToString().TrimEnd();
                PendingLine.Clear();
                if (line.Length == 0) return;
                var logLevel = pendingLevel switch
                {
                    4 => LogLevel.Error,   // GGML_LOG_LEVEL_ERROR
                    3 => LogLevel.Warning, // GGML_LOG_LEVEL_WARN
                    2 => LogLevel.Debug,   // INFO is chatty (every tensor); keep it at debug
                    _ => LogLevel.Trace,
                };
                log.Log(logLevel, "llama.cpp: {Line}", line);
            }
        }
        catch
        {
            // A logging failure must never unwind into native code.
        }
    }
}
