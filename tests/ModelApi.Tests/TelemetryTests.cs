using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using CustomGpt.ModelApi.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CustomGpt.ModelApi.Tests;

/// <summary>ModelApi's spans: one request's stages, in order, under the request's own span, in the caller's trace (W3C traceparent from its HttpClient).</summary>
public class TelemetryTests
{
    /// <summary>Spans as they end; other tests' servers in this process end spans too, so adding and reading take a lock.</summary>
    sealed class Spans : Collection<Activity>
    {
        protected override void InsertItem(int index, Activity item) { lock (this) base.InsertItem(index, item); }
        public Activity[] Of(ActivityTraceId trace) { lock (this) return [.. this.Where(a => a.TraceId == trace)]; }
    }

    [Fact]
    public async Task One_streamed_request_has_key_check_queue_wait_prompt_decode_generation_and_stream_write_spans_in_order()
    {
        var spans = new Spans();
        using var tracing = TelemetryServices.AddSources(Sdk.CreateTracerProviderBuilder()).AddInMemoryExporter(spans).Build();
        using var server = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", "telemetry-test-key-0123456789")).ReadyAsync();
        // The caller's span (the Dashboard's, in production): its HttpClient call carries it to ModelApi in traceparent.
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        caller.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var trace = caller.TraceId;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate")
        {
            Content = new StringContent("""{"prompt":"the fox","num_chars":20,"seed":3,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-API-Key", "telemetry-test-key-0123456789");
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: done", await response.Content.ReadAsStringAsync());

        // The server's span ends just after the response: wait for it (a hang guard, not a timing assertion).
        await Api.EventuallyAsync(() => spans.Of(trace).Any(s => s.Kind == ActivityKind.Server), "the request's span ended");
        var all = spans.Of(trace);
        var http = Assert.Single(all, s => s.Kind == ActivityKind.Server);
        var client = Assert.Single(all, s => s.Kind == ActivityKind.Client);
        Assert.Equal(caller.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, http.ParentSpanId); // ModelApi took the client's traceparent: one trace
        Assert.Equal("/generate", http.GetTagItem("http.route"));
        var stages = all.Where(s => s.Source.Name == ModelApiTelemetry.Name).OrderBy(s => s.StartTimeUtc).ToArray();
        string[] order = ["key check", "queue wait", "prompt decode", "generation"];
        Assert.Equal(order, stages.Select(s => s.DisplayName).Where(order.Contains));
        Assert.All(stages, s => Assert.Equal(http.SpanId, s.ParentSpanId));
        var write = Assert.Single(stages, s => s.DisplayName == "stream write");
        var generation = Assert.Single(stages, s => s.DisplayName == "generation");
        Assert.True(write.StartTimeUtc + write.Duration >= generation.StartTimeUtc, "the stream was written while the text was generated");
        var prompt = Assert.Single(stages, s => s.DisplayName == "prompt decode");
        Assert.True((int)prompt.GetTagItem("customgpt.prompt_tokens")! > 0);
        Assert.Equal(0, prompt.GetTagItem("customgpt.cached_tokens"));
        Assert.True((int)generation.GetTagItem("customgpt.completion_tokens")! > 0);
        Assert.Equal("completed", generation.GetTagItem("customgpt.outcome"));
    }
}
