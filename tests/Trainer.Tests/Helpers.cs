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

public static class TrainerRunner
{
    public static TrainResult Train(params string[] args) => Train(new CapturingWriter(), default, args);

    public static TrainResult Train(TextWriter log, CancellationToken cancel, params string[] args) =>
        new TrainingRun(TrainCommand.Parse(args), log).Run(cancel);

    /// <summary>Hang guards, not timing assertions: far above what the machine needs even when busy.</summary>
    public static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs `dotnet Trainer.dll ARGS` as an operator would: exit code and everything it printed.
    /// A process still running after <see cref="ProcessTimeout"/> is killed and the test fails with its output.</summary>
    /// <remarks>
    /// Trainer.dll sits here beside the tests' assemblies, as it sits beside ModelApi.dll in the API image, and runs the
    /// way ModelApi runs it there (TrainerProcess, train-job.sh): with the host's runtime config and dependencies. Its own
    /// runtime config names only .NET's base framework, and the logging abstractions it needs come here from ASP.NET's.
    /// </remarks>
    public static (int ExitCode, string Output) RunProcess(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", ["exec",
            "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, "Trainer.Tests.runtimeconfig.json"),
            "--depsfile", Path.Combine(AppContext.BaseDirectory, "Trainer.Tests.deps.json"),
            Path.Combine(AppContext.BaseDirectory, "Trainer.dll"), .. args])
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

/// <summary>ModelApi started the way every test starts it (tests/Shared/ModelApiProcess), with the one call these tests make.</summary>
public sealed class ModelApiServer : IDisposable
{
    readonly ModelApiProcess process;

    public ModelApiServer(string? modelPath)
    {
        // An empty MODEL_PATH counts as unset: ModelApi then finds models/custom-gpt.gguf itself.
        process = new ModelApiProcess(modelPath ?? "");
        Http = new HttpClient { BaseAddress = process.Address, Timeout = RequestTimeout };
    }

    // A hang guard, not a timing assertion: far above what the machine needs even when busy.
    static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    public HttpClient Http { get; }

    public string Output => process.Output;

    /// <summary>Waits for /health to report the model loaded, then POSTs /generate and returns generated_text.
    /// Either wait running out fails the test, saying what it waited for, with ModelApi's output.</summary>
    public async Task<string> GenerateAsync(object request)
    {
        await process.ReadyAsync();
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

    public void Dispose()
    {
        Http.Dispose();
        process.Dispose();
    }
}
