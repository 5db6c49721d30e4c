using System.Diagnostics;
using System.Text;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CustomGpt.Bench;

/// <summary>
/// What forwarding adds (docs/upstreams.md): an OpenAI-compatible endpoint that answers at once (a canned chat answer, or
/// five streamed chunks) is called directly and through a ModelApi process whose MODELS_CONFIG names it as an upstream
/// ("hosted"), sequentially; the difference of the medians (and 99th percentiles) is what the gateway adds. Plain
/// answers are timed to their last byte, streams to their first chunk.
/// </summary>
static class ProxyOverhead
{
    const string Chat = """{"model":"hosted","messages":[{"role":"user","content":"hello there"}],"max_tokens":16}""";
    const string Streamed = """{"model":"hosted","messages":[{"role":"user","content":"hello there"}],"max_tokens":16,"stream":true}""";

    public static async Task RunAsync(int requests)
    {
        await using var upstream = await FakeUpstreamAsync();
        var apiBase = upstream.Urls.First().TrimEnd('/') + "/v1";
        var folder = Directory.CreateTempSubdirectory("customgpt-bench-proxy-").FullName;
        var config = Path.Combine(folder, "config.yaml");
        File.WriteAllText(config, $$"""
            model_list:
              - model_name: local
                litellm_params: { model: gguf//{{ModelApiSettings.DefaultModelPath()}} }
              - model_name: hosted
                litellm_params: { model: openai/canned, api_base: "{{apiBase}}", api_key: os.environ/BENCH_UPSTREAM_KEY }
            """);
        using var gateway = await new ModelApiProcess(ModelApiSettings.DefaultModelPath(), ("MODELS_CONFIG", config), ("BENCH_UPSTREAM_KEY", "bench-upstream-key")).ReadyAsync();
        using var direct = new HttpClient { BaseAddress = new Uri(apiBase.TrimEnd('/') + "/") };
        using var proxied = new HttpClient { BaseAddress = new Uri(gateway.Address, "v1/") };
        Console.WriteLine($"proxy overhead: POST /v1/chat/completions to an endpoint that answers at once, {requests} sequential requests each, after {requests / 10} to warm up");

        var plainDirect = await TimeAsync(direct, Chat, requests, firstChunk: false);
        var plainProxied = await TimeAsync(proxied, Chat, requests, firstChunk: false);
        Statistics.ReportLatency("plain, direct", plainDirect, null);
        Statistics.ReportLatency("plain, through ModelApi", plainProxied, plainDirect);
        var streamDirect = await TimeAsync(direct, Streamed, requests, firstChunk: true);
        var streamProxied = await TimeAsync(proxied, Streamed, requests, firstChunk: true);
        Statistics.ReportLatency("first chunk, direct", streamDirect, null);
        Statistics.ReportLatency("first chunk, through ModelApi", streamProxied, streamDirect);
    }

    /// <summary>Milliseconds per request (to the whole answer, or to the first "data:" line), sorted.</summary>
    static async Task<double[]> TimeAsync(HttpClient http, string body, int requests, bool firstChunk)
    {
        var times = new List<double>(requests);
        for (var i = 0; i < requests + requests / 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            var start = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            double ms;
            if (firstChunk)
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data:", StringComparison.Ordinal)) { }
                ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                await reader.ReadToEndAsync();
            }
            else
            {
                await response.Content.ReadAsByteArrayAsync();
                ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            if (i >= requests / 10) times.Add(ms);
        }
        return [.. times.Order()];
    }

    /// <summary>A canned OpenAI endpoint on loopback: a chat answer with usage, or five chunks then usage and [DONE].</summary>
    static async Task<WebApplication> FakeUpstreamAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        const string answer = """{"id":"c-1","object":"chat.completion","created":1,"model":"canned","choices":[{"index":0,"message":{"role":"assistant","content":"general kenobi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7}}""";
        const string chunk = """data: {"id":"c-1","object":"chat.completion.chunk","created":1,"model":"canned","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}""";
        const string usage = """data: {"id":"c-1","object":"chat.completion.chunk","created":1,"model":"canned","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}""";
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            if (!body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(answer);
                return;
            }
            http.Response.ContentType = "text/event-stream";
            for (var i = 0; i < 5; i++)
            {
                await http.Response.WriteAsync(chunk + "\n\n");
                await http.Response.Body.FlushAsync();
            }
            await http.Response.WriteAsync(usage + "\n\ndata: [DONE]\n\n");
        });
        await app.StartAsync();
        return app;
    }
}
