using System.Diagnostics;
using CustomGpt.Trainer.Training;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// The Trainer as a child process (`dotnet Trainer.dll train ... --progress json`): a native crash in training cannot
/// take serving down, and it runs below normal priority (nice) with TRAIN_THREADS threads so generation keeps a core.
/// Trainer.dll sits beside ModelApi.dll (a project reference; the API image publishes both), and runs with ModelApi's
/// runtime config and dependency list: its packages resolve as ModelApi's do (some come with the ASP.NET Core framework).
/// </summary>
sealed class TrainerProcess : IDisposable
{
    readonly Process process;
    readonly List<string> tail = [];

    TrainerProcess(Process process) => this.process = process;

    public static string TrainerDll => Path.Combine(AppContext.BaseDirectory, "Trainer.dll");

    /// <summary>The dotnet host running ModelApi when it runs as `dotnet ModelApi.dll`; otherwise the one on PATH.</summary>
    static string DotnetHost => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    public static TrainerProcess Start(IEnumerable<string> trainArgs, Action<ProgressLine> onEvent)
    {
        var app = AppContext.BaseDirectory;
        var info = new ProcessStartInfo(DotnetHost, ["exec", "--runtimeconfig", Path.Combine(app, "ModelApi.runtimeconfig.json"),
            "--depsfile", Path.Combine(app, "ModelApi.deps.json"), TrainerDll, "train", .. trainArgs, "--watch-stdin", "true"])
        {
            // Held open and never written: when ModelApi ends, even by SIGKILL, the pipe closes and the trainer
            // stops with its checkpoint saved instead of training on unseen (the restart marks the job resumable).
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        // The trainer must not inherit ModelApi's secrets.
        foreach (var key in new[] { "MASTER_KEY", "API_KEY", "METRICS_TOKEN", "DATABASE_URL" }) info.Environment.Remove(key);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The trainer did not start.");
        var trainer = new TrainerProcess(process);
        try
        {
            // Lower priority at once: llama.cpp's worker threads start later, from this thread, and inherit it.
            process.PriorityClass = ProcessPriorityClass.BelowNormal;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // The process already ended (its exit code tells why) or the platform refused: train at normal priority.
        }
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (ProgressLine.Parse(e.Data) is { } line) onEvent(line);
            else trainer.Keep(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) trainer.Keep(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return trainer;
    }

    void Keep(string line)
    {
        lock (tail)
        {
            tail.Add(line);
            if (tail.Count > 40) tail.RemoveAt(0);
        }
    }

    /// <summary>The trainer's own words for a failure: its "error: ..." line, or its last lines.</summary>
    public string Reason()
    {
        lock (tail)
        {
            var error = tail.LastOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal));
            return error is not null ? error["error: ".Length..] : string.Join('\n', tail.TakeLast(5));
        }
    }

    public async Task<int> WaitAsync(CancellationToken ct)
    {
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    /// <summary>SIGTERM: the trainer finishes its step, saves a checkpoint and the model, and exits (130).</summary>
    public void Stop()
    {
        if (process.HasExited) return;
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
    }
}
