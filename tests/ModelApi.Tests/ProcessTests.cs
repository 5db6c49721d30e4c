using System.Diagnostics;
using System.Net.Http.Json;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.ModelApi.Tests;

/// <summary>ModelApi as its own process, started the way an operator starts it.</summary>
public sealed class ApiProcess : IDisposable
{
    readonly Process process;

    public ApiProcess(string modelPath, params (string Key, string Value)[] env)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ModelApi.dll");
        var info = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["MODEL_PATH"] = modelPath;
        info.Environment["PORT"] = "0";
        info.Environment["HOST"] = "127.0.0.1";
        info.Environment["THREADS"] = "1"; // tiny models; more threads only contend with the other tests
        foreach (var (k, v) in env) info.Environment[k] = v;
        process = Process.Start(info)!;
        var listening = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "Now listening on: ";
            if (e.Data?.Contains(marker, StringComparison.Ordinal) == true) listening.TrySetResult(e.Data[(e.Data.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("ModelApi did not start listening.");
        Http = new HttpClient { BaseAddress = new Uri(listening.Task.Result), Timeout = TimeSpan.FromMinutes(10) };
    }

    public HttpClient Http { get; }

    /// <summary>Sends a POSIX signal, as a platform does when it stops a container.</summary>
    public void Signal(string name) => Process.Start("kill", ["-" + name, process.Id.ToString()])!.WaitForExit();

    public async Task<int> ExitCodeAsync()
    {
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return process.ExitCode;
    }

    public async Task WaitReadyAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            using var r = await Http.GetAsync("/health");
            if (r.IsSuccessStatusCode) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("The model did not load.");
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}

public class ProcessTests
{
    [Fact]
    public async Task Two_processes_give_byte_identical_text_for_the_same_seed()
    {
        var texts = new List<string>();
        foreach (var threads in new[] { "1", "1" })
        {
            using var api = new ApiProcess(TestModels.Tiny, ("THREADS", threads));
            await api.WaitReadyAsync();
            using var response = await api.Http.PostAsJsonAsync("/generate", new { seed = 1234, temperature = 0.9, num_chars = 300, prompt = "the lazy dog", ignore_eos = true });
            Assert.True(response.IsSuccessStatusCode);
            texts.Add(Api.Parse<GenerateResponse>(await response.Content.ReadAsStringAsync()).GeneratedText);
        }
        Assert.Equal(300, Api.CharCount(texts[0]));
        Assert.Equal(texts[0], texts[1]);
    }
}
