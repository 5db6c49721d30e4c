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

    /// <summary>Hang guards, not timing assertions: far above what the machine needs even when busy.</summary>
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs `dotnet Trainer.dll ARGS` as an operator would: exit code and everything it printed.
    /// A process still running after <see cref="ProcessTimeout"/> is killed and the test fails with its output.</summary>
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
        var exited = p.WaitForExit(ProcessTimeout);
        if (!exited) p.Kill(entireProcessTree: true);
        // Once the process is gone its pipes close; the bound only guards against a stuck grandchild.
        var read = Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(30));
        var output = (stdout.IsCompletedSuccessfully ? stdout.Result : "") + (stderr.IsCompletedSuccessfully ? stderr.Result : "");
        if (!exited) throw new TimeoutException($"`Trainer {string.Join(' ', args)}` did not exit within {ProcessTimeout.TotalMinutes} minutes; killed. Its output:\n{output}");
        if (!read) throw new TimeoutException($"`Trainer {string.Join(' ', args)}` exited ({p.ExitCode}) but its output did not end within 30 s. So far:\n{output}");
        return (p.ExitCode, output);
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
        if (!listening.Task.Wait(StartTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ModelApi did not print \"Now listening on\" within {StartTimeout.TotalSeconds} s (killed):\n" + Output);
        }
        Http = new HttpClient { BaseAddress = listening.Task.Result, Timeout = RequestTimeout };
    }

    // Hang guards, not timing assertions: far above what the machine needs even when busy.
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    public HttpClient Http { get; }

    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>Waits for /health to report the model loaded, then POSTs /generate and returns generated_text.
    /// Either wait running out fails the test, saying what it waited for, with ModelApi's output.</summary>
    public async Task<string> GenerateAsync(object request)
    {
        await WaitUntilHealthyAsync();
        try
        {
            using var response = await Http.PostAsJsonAsync(new Uri("generate", UriKind.Relative), request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}\n{Output}");
            return JsonDocument.Parse(body).RootElement.GetProperty("generated_text").GetString()!;
        }
        catch (TaskCanceledException) // Http.Timeout ran out: nothing else cancels
        {
            throw new TimeoutException($"POST /generate got no answer within {RequestTimeout.TotalMinutes} minutes:\n{Output}");
        }
    }

    async Task WaitUntilHealthyAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var last = "no answer yet";
        try
        {
            while (true)
            {
                using var health = await Http.GetAsync(new Uri("health", UriKind.Relative), timeout.Token);
                if (health.IsSuccessStatusCode) return;
                last = $"{(int)health.StatusCode} {await health.Content.ReadAsStringAsync(timeout.Token)}";
                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"GET /health did not answer 200 (model loaded) within {StartTimeout.TotalSeconds} s; last answer: {last}\n{Output}");
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        var exited = process.WaitForExit(ExitTimeout);
        var id = process.Id;
        process.Dispose();
        if (!exited) throw new TimeoutException($"ModelApi (process {id}) did not exit within {ExitTimeout.TotalSeconds} s of being killed:\n{Output}");
    }
}
