using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using CustomGpt.ModelApi.Client;
using CustomGpt.Tests.Shared;

namespace CustomGpt.Bench;

/// <summary>ModelApi as its own process (started as the tests start it), measured from the outside like any client would.</summary>
sealed class ServedLoop : IDisposable
{
    readonly ModelApiProcess process;

    public ServedLoop(string modelPath, int threads, int parallel, params (string Key, string Value)[] env)
    {
        var started = Stopwatch.GetTimestamp();
        process = new ModelApiProcess(modelPath, [("THREADS", threads.ToString()), ("PARALLEL", parallel.ToString()), ("CONTEXT_SIZE", "2048"), .. env]);
        process.ReadyAsync().GetAwaiter().GetResult();
        StartToReady = Stopwatch.GetElapsedTime(started);
        Http = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromMinutes(10) };
    }

    public HttpClient Http { get; }
    public TimeSpan StartToReady { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Resident memory of the server process now (VmRSS), in bytes.</summary>
    public long ResidentBytes() => process.ResidentBytes();

    /// <summary>Peak resident memory of the server process (VmHWM), in MiB.</summary>
    public double PeakRssMb() => process.PeakResidentBytes() / 1048576.0;

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
        await foreach (var e in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
            if (e.EventType == "done") return JsonSerializer.Deserialize<GenerateDone>(e.Data, ModelApiJson.Options)!.Timings;
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
        process.Dispose();
    }
}
