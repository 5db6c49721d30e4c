using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CustomGpt.Trainer.Training;

// The trainer keeps both cores busy; tests that train take turns.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CustomGpt.Trainer.Tests;

/// <summary>A log writer for training runs: keeps the lines, and can cancel the run once a line matches.</summary>
public sealed class CapturingWriter(Func<string, bool>? cancelWhen = null, CancellationTokenSource? cancel = null) : TextWriter
{
    readonly StringBuilder current = new();
    public List<string> Lines { get; } = [];
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value != '\n')
        {
            current.Append(value);
            return;
        }
        var line = current.ToString();
        current.Clear();
        Lines.Add(line);
        if (cancelWhen?.Invoke(line) == true) cancel?.Cancel();
    }

    public override string ToString() => string.Join('\n', Lines);
}

public static class Repo
{
    /// <summary>The repository root: the folder holding CustomGpt.slnx, found from the test's folder upwards.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "CustomGpt.slnx"))) return dir.FullName;
            throw new DirectoryNotFoundException("CustomGpt.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public static string DefaultModel => Path.Combine(Root, "models", "custom-gpt.gguf");
}

public static class TrainerRunner
{
    public static TrainResult Train(params string[] args) => Train(new CapturingWriter(), default, args);

    public static TrainResult Train(TextWriter log, CancellationToken cancel, params string[] args) =>
        new TrainingRun(TrainCommand.Parse(args), log).Run(cancel);

    /// <summary>Runs `dotnet Trainer.dll ARGS` as an operator would: exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) RunProcess(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Trainer.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>ModelApi as its own process on 127.0.0.1 (its DLL is copied here by the project reference).</summary>
public sealed class ModelApiServer : IDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();

    public ModelApiServer(string? modelPath)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ModelApi.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["PORT"] = "0";
        info.Environment["HOST"] = "127.0.0.1";
        info.Environment["THREADS"] = "1"; // one-token decodes crawl with two threads on a busy machine
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (modelPath is null) info.Environment.Remove("MODEL_PATH");
        else info.Environment["MODEL_PATH"] = modelPath;
        process = Process.Start(info)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            const string marker = "Now listening on: ";
            var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) listening.TrySetResult(new Uri(e.Data[(at + marker.Length)..].Trim()));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("ModelApi exited early:\n" + Output));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A hang guard, not a timing assertion.
        if (!listening.Task.Wait(TimeSpan.FromSeconds(120))) throw new TimeoutException("ModelApi did not start:\n" + Output);
        Http = new HttpClient { BaseAddress = listening.Task.Result, Timeout = TimeSpan.FromMinutes(5) };
    }

    public HttpClient Http { get; }

    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>Waits for /health to report the model loaded, then POSTs /generate and returns generated_text.</summary>
    public async Task<string> GenerateAsync(object request)
    {
        for (var i = 0; i < 2400; i++)
        {
            using var health = await Http.GetAsync(new Uri("health", UriKind.Relative));
            if (health.IsSuccessStatusCode) break;
            await Task.Delay(50);
        }
        using var response = await Http.PostAsJsonAsync(new Uri("generate", UriKind.Relative), request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}\n{Output}");
        return JsonDocument.Parse(body).RootElement.GetProperty("generated_text").GetString()!;
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}
