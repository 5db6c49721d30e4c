using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Bench;

/// <summary>ModelApi as its own process, measured from the outside like any client would.</summary>
sealed class ServedLoop : IDisposable
{
    readonly Process process;

    public ServedLoop(string modelPath, int threads, int parallel, params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ModelApi.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["MODEL_PATH"] = modelPath;
        info.Environment["PORT"] = "0";
        info.Environment["THREADS"] = threads.ToString();
        info.Environment["PARALLEL"] = parallel.ToString();
        info.Environment["CONTEXT_SIZE"] = "2048";
        foreach (var (key, value) in env) info.Environment[key] = value;
        var started = Stopwatch.GetTimestamp();
        process = Process.Start(info)!;
        var address = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "Now listening on: ";
            if (e.Data?.Contains(marker, StringComparison.Ordinal) == true) address.TrySetResult(e.Data[(e.Data.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim());
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri(address.Task.WaitAsync(TimeSpan.FromMinutes(1)).Result), Timeout = TimeSpan.FromMinutes(10) };
        while (!Http.GetAsync("/health").Result.IsSuccessStatusCode) Thread.Sleep(20);
        StartToReady = Stopwatch.GetElapsedTime(started);
    }

    public HttpClient Http { get; }
    public TimeSpan StartToReady { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Resident memory of the server process now (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>Peak resident memory of the server process (VmHWM), in MiB.</summary>
    public double PeakRssMb()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    public async Task<GenerateResponse> GenerateAsync(string prompt, int tokens, int seed)
    {
        using var response = await Http.PostAsJsonAsync("/generate",
            new GenerateRequest { Prompt = prompt, MaxTokens = tokens, Seed = seed, Temperature = 0, IgnoreEos = true }, ModelApiJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<GenerateResponse>(ModelApiJson.Options))!;
    }

    /// <summary>The same request as <see cref="GenerateAsync"/>, streamed as Server-Sent Events; the timings of its "done" event.</summary>
    public async Task<Timings> StreamAsync(string prompt, int tokens, int seed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate")
        {
            Content = JsonContent.Create(new GenerateRequest { Prompt = prompt, MaxTokens = tokens, Seed = seed, Temperature = 0, IgnoreEos = true, Stream = true }, options: ModelApiJson.Options),
        };
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadAsync(CancellationToken.None) is var (name, data))
            if (name == "done") return JsonSerializer.Deserialize<GenerateDone>(data, ModelApiJson.Options)!.Timings;
        throw new InvalidOperationException("The stream ended without a done event.");
    }

    /// <summary>Tokens per second summed over <paramref name="clients"/> clients generating at once.</summary>
    public async Task<double> AggregateAsync(int clients, int tokens)
    {
        var start = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => GenerateAsync("Once upon a time", tokens, i)));
        return results.Sum(r => r.Usage.CompletionTokens) / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}
