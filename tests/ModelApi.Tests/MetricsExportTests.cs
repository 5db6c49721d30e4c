using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CustomGpt.ModelApi.Tests;

/// <summary>A real ModelApi process: GET /metrics in Prometheus text with the named series, and OTLP/HTTP export when configured.</summary>
public class MetricsExportTests
{
    const string Key = "metrics-test-key";

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_and_carry_request_generation_key_runtime_and_process_series()
    {
        using var server = await new ModelApiProcess(TestModels.Tiny, ("API_KEY", Key), ("PARALLEL", "2")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.Add("X-API-Key", Key);
        using (var generated = await http.PostAsync("/generate", Json("""{"prompt":"the fox","num_chars":20,"seed":1}""")))
            Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        using (var bad = await http.PostAsync("/generate", Json("""{"num_chars":-1}""")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var scrape = Metrics.Parse(await http.GetStringAsync("/metrics"));

        // Names /metrics had before OpenTelemetry, with their types.
        Assert.Equal(1, Single(scrape, "customgpt_requests_total", ("outcome", "completed")));
        Assert.Equal(0, Single(scrape, "customgpt_requests_total", ("outcome", "cancelled")));
        foreach (var counter in (string[])["customgpt_prompt_tokens_total", "customgpt_generated_tokens_total", "customgpt_decode_steps_total", "customgpt_key_requests_total", "customgpt_key_tokens_total"])
            Assert.Equal("counter", scrape.Types[counter]);
        Assert.True(Single(scrape, "customgpt_generated_tokens_total") > 0);
        Assert.Equal(0, Single(scrape, "customgpt_prompt_tokens_reused_total"));
        Assert.Equal(0, Single(scrape, "customgpt_context_shifts_total"));
        Assert.Equal(0, Single(scrape, "customgpt_requests_active"));
        Assert.Equal(0, Single(scrape, "customgpt_requests_queued"));
        Assert.True(Single(scrape, "customgpt_key_tokens_total", ("key", "none"), ("type", "completion")) > 0);
        Assert.True(Single(scrape, "process_resident_memory_bytes") > 0);
        Assert.True(Single(scrape, "dotnet_gc_committed_bytes") > 0);
        Assert.Equal("gauge", scrape.Types["dotnet_gc_heap_bytes"]);

        // New: durations per route and status, stage histograms, lanes, the runtime's own meter.
        Assert.Equal("histogram", scrape.Types["http_server_request_duration_seconds"]);
        Assert.Equal(1, Single(scrape, "http_server_request_duration_seconds_count", ("http_route", "/generate"), ("http_response_status_code", "200")));
        Assert.Equal(1, Single(scrape, "http_server_request_duration_seconds_count", ("http_route", "/generate"), ("http_response_status_code", "400")));
        foreach (var histogram in (string[])["customgpt_queue_wait_seconds", "customgpt_time_to_first_token_seconds", "customgpt_generation_tokens_per_second"])
        {
            Assert.Equal("histogram", scrape.Types[histogram]);
            Assert.Equal(1, Single(scrape, histogram + "_count"));
            Assert.Equal(1, Single(scrape, histogram + "_bucket", ("le", "+Inf")));
        }
        Assert.Equal(2, Single(scrape, "customgpt_lanes"));
        Assert.Equal(0, Single(scrape, "customgpt_lanes_busy"));
        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_gc_collections", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_OTEL_EXPORTER_OTLP_ENDPOINT_metrics_and_spans_go_to_the_collector_over_http_protobuf()
    {
        await using var collector = await FakeCollector.StartAsync();
        using var server = await new ModelApiProcess(TestModels.Tiny,
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "200"), ("OTEL_BSP_SCHEDULE_DELAY", "200")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        using (var generated = await http.PostAsync("/generate", Json("""{"prompt":"the fox","num_chars":20,"seed":1}""")))
            Assert.Equal(HttpStatusCode.OK, generated.StatusCode);

        // Protobuf keeps strings as they are: the instrument and span names are in the bodies.
        await Api.EventuallyAsync(() => collector.Received("/v1/metrics", "customgpt.generated_tokens"), "metrics reached the collector");
        await Api.EventuallyAsync(() => collector.Received("/v1/traces", "prompt decode") && collector.Received("/v1/traces", "generation"), "spans reached the collector");
        Assert.True(collector.Received("/v1/traces", "customgpt-modelapi"), "the service is named");
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
    }

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    static double Single(MetricsScrape scrape, string name, params (string, string)[] labels) => Assert.Single(scrape.Find(name, labels)).Value;

    /// <summary>An OTLP/HTTP receiver on loopback: takes POST /v1/metrics and /v1/traces and keeps the bodies.</summary>
    sealed class FakeCollector : IAsyncDisposable
    {
        readonly WebApplication app;
        readonly ConcurrentQueue<(string Path, byte[] Body)> bodies = new();
        public ConcurrentQueue<string> ContentTypes { get; } = new();

        FakeCollector(WebApplication app) => this.app = app;

        public string Address => app.Urls.First();

        public static async Task<FakeCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var collector = new FakeCollector(app);
            foreach (var path in (string[])["/v1/metrics", "/v1/traces"])
                app.MapPost(path, async (HttpRequest request) =>
                {
                    using var body = new MemoryStream();
                    await request.Body.CopyToAsync(body);
                    collector.ContentTypes.Enqueue(request.ContentType ?? "");
                    collector.bodies.Enqueue((path, body.ToArray()));
                    return Results.Ok();
                });
            await app.StartAsync();
            return collector;
        }

        public bool Received(string path, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return bodies.Any(b => b.Path == path && b.Body.AsSpan().IndexOf(bytes) >= 0);
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
