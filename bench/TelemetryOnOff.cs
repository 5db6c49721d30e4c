using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static CustomGpt.Bench.Statistics;

namespace CustomGpt.Bench;

/// <summary>
/// The served-versus-direct ratio with telemetry off (no OTEL_EXPORTER_OTLP_ENDPOINT: no tracer, metrics only read at
/// /metrics) and on (traces and metrics exported over OTLP/HTTP to a sink in this process), in one run: two ModelApi
/// processes and the direct loop, alternated so background load hits all three alike. Each served run is compared with
/// the direct run just before it; the order of the two servers flips every round.
/// </summary>
static class TelemetryOnOff
{
    /// <param name="onFirst">Start the "on" server first: of two copies of a model loaded one after the other, the second
    /// ran about 2 % faster in `--two-loops`, so a second run with the order swapped tells that apart from telemetry.</param>
    public static async Task RunAsync(string modelPath, int threads, int parallel, int tokens, int rounds, bool onFirst)
    {
        var exports = 0;
        await using var sink = await StartSinkAsync(() => Interlocked.Increment(ref exports));
        var endpoint = sink.Urls.Single();
        Console.WriteLine($"telemetry off vs on: {Path.GetFileName(modelPath)}, threads {threads}, PARALLEL {parallel}, {tokens} tokens, {rounds} rounds; OTLP sink {endpoint}");
        // Both without the prompt cache, as the main bench: every run decodes its whole prompt, as the direct loop does.
        (string, string)[] otlp = [("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_METRIC_EXPORT_INTERVAL", "5000")];
        using var first = new ServedLoop(modelPath, threads, parallel, [("PROMPT_CACHE", "false"), .. onFirst ? otlp : []]);
        using var second = new ServedLoop(modelPath, threads, parallel, [("PROMPT_CACHE", "false"), .. onFirst ? [] : otlp]);
        var (off, on) = onFirst ? (second, first) : (first, second);
        Console.WriteLine($"loaded first: {(onFirst ? "on" : "off")}");
        using var direct = new DirectLoop(modelPath, threads, parallel, DirectLoop.LlamaBenchPolling);
        const string prompt = BenchModel.Prompt;
        foreach (var server in new[] { off, on })
        {
            await server.GenerateAsync(prompt, 8, 0);
            await server.StreamAsync(prompt, 8, 0);
        }

        var ratios = new Dictionary<string, List<double>> { ["off JSON"] = [], ["on JSON"] = [], ["off SSE"] = [], ["on SSE"] = [] };
        for (var i = 0; i < rounds; i++)
        {
            var order = i % 2 == 0 ? new[] { ("off", off), ("on", on) } : [("on", on), ("off", off)];
            foreach (var (name, server) in order)
            {
                var seed = i;
                var json = await RatioAsync(direct, tokens, async () => (await server.GenerateAsync(prompt, tokens, seed)).Timings.TokensPerSecond);
                var sse = await RatioAsync(direct, tokens, async () => (await server.StreamAsync(prompt, tokens, seed)).TokensPerSecond);
                ratios[name + " JSON"].Add(json);
                ratios[name + " SSE"].Add(sse);
            }
        }
        foreach (var (what, values) in ratios)
            Console.WriteLine($"{what,-9} / binding per run : {string.Join(" ", values.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}   median {Median(values):F2}, lowest {values.Min():F2}");
        Console.WriteLine($"OTLP export requests received from the 'on' server: {exports}");
    }

    /// <summary>One direct run, then one served run: the served generation speed as a share of the direct one.</summary>
    static async Task<double> RatioAsync(DirectLoop direct, int tokens, Func<Task<double>> served)
    {
        var baseline = direct.Run(BenchModel.Prompt, tokens).TokensPerSecond;
        await DirectLoop.LetThreadsSettle();
        var ratio = await served() / baseline;
        await DirectLoop.LetThreadsSettle();
        return ratio;
    }

    /// <summary>An OTLP/HTTP receiver that takes every export and answers 200 (an empty Export*ServiceResponse).</summary>
    static async Task<WebApplication> StartSinkAsync(Action received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            received();
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return app;
    }
}
