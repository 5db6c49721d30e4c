using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace CustomGpt.Bench;

/// <summary>One timed generation in an engine's process: the speeds, and the tokens for the same-output check.</summary>
public sealed record SideBySideRun(double PromptTokensPerSecond, double TokensPerSecond, int[] PromptTokens, int[] Tokens);

/// <summary>What an engine's process loaded: its llama.cpp build and the CPU code it picked.</summary>
public sealed record EngineInfo(string Engine, string GgmlVersion, string GgmlCommit, string[] Libraries, string SystemInfo);

/// <summary>
/// How the bench talks to an engine's process (linked into bench/LlamaSharp too): the process prints
/// "@ready" and its <see cref="EngineInfo"/>, then answers each "run TOKENS" line with "@run" and a
/// <see cref="SideBySideRun"/>, and exits when its input closes. Marked lines, because llama.cpp may
/// write to the same output.
/// </summary>
public static class SideBySideWorker
{
    public const string ReadyMark = "@ready ", RunMark = "@run ";

    public static void Serve(EngineInfo info, Func<int, SideBySideRun> run)
    {
        Console.WriteLine(ReadyMark + JsonSerializer.Serialize(info));
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is ["run", var tokens])
                Console.WriteLine(RunMark + JsonSerializer.Serialize(run(int.Parse(tokens, CultureInfo.InvariantCulture))));
        }
    }

    delegate nint NativeString();

    /// <summary>Read from the process itself: the llama.cpp files it mapped (/proc/self/maps), ggml's
    /// version and commit, and llama.cpp's list of the CPU features its code uses.</summary>
    public static EngineInfo Describe(string engine)
    {
        var libraries = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && (Path.GetFileName(f[5]).StartsWith("libllama", StringComparison.Ordinal) || Path.GetFileName(f[5]).StartsWith("libggml", StringComparison.Ordinal)))
            .Select(f => f[5]).Distinct().ToArray();
        string Call(string library, string function)
        {
            var file = libraries.FirstOrDefault(l => Path.GetFileName(l).StartsWith(library, StringComparison.Ordinal));
            if (file is null) return "?";
            var handle = NativeLibrary.Load(file); // already loaded: the same handle
            return NativeLibrary.TryGetExport(handle, function, out var export)
                ? Marshal.PtrToStringUTF8(Marshal.GetDelegateForFunctionPointer<NativeString>(export)()) ?? "?"
                : "?";
        }
        return new EngineInfo(engine, Call("libggml-base", "ggml_version"), Call("libggml-base", "ggml_commit"),
            libraries, Call("libllama", "llama_print_system_info").Trim());
    }
}
