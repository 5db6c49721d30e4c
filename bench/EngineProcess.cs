using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace CustomGpt.Bench;

/// <summary>One engine's process for `--llamasharp`: started with `dotnet DLL ARGS`, asked for runs one
/// line at a time (see <see cref="SideBySideWorker"/>). Dispose closes its input and ends it.</summary>
sealed class EngineProcess : IDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> errors = new();

    public EngineProcess(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dll);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) errors.Enqueue(e.Data); };
        process.BeginErrorReadLine();
        Info = JsonSerializer.Deserialize<EngineInfo>(ReadMarked(SideBySideWorker.ReadyMark))!;
    }

    public EngineInfo Info { get; }

    /// <summary>CPU time the process has used so far (both cores counted).</summary>
    public TimeSpan CpuTime { get { process.Refresh(); return process.TotalProcessorTime; } }

    public SideBySideRun Run(int tokens)
    {
        process.StandardInput.WriteLine($"run {tokens}");
        process.StandardInput.Flush();
        return JsonSerializer.Deserialize<SideBySideRun>(ReadMarked(SideBySideWorker.RunMark))!;
    }

    string ReadMarked(string mark)
    {
        while (process.StandardOutput.ReadLine() is { } line)
            if (line.StartsWith(mark, StringComparison.Ordinal)) return line[mark.Length..];
        process.WaitForExit();
        throw new InvalidOperationException($"{Info?.Engine ?? "an engine"} exited ({process.ExitCode}):\n{string.Join('\n', errors)}");
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(10_000)) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // already gone
        process.Dispose();
    }
}
