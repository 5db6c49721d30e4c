extern alias ModelApiApp;
using System.Collections.ObjectModel;
using System.Diagnostics;
using CustomGpt.Dashboard.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using ModelApiTelemetry = ModelApiApp::CustomGpt.ModelApi.Telemetry.ModelApiTelemetry;

namespace CustomGpt.Dashboard.Tests;

/// <summary>
/// One click on Generate Text is one trace: the Dashboard's click span (Blazor's HandleEvent) → its HttpClient call
/// → ModelApi's request span (W3C traceparent) → key check, queue wait, prompt decode, generation, stream write.
/// Both apps run in this process on real Kestrel sockets (an in-memory exporter sees only its own process), driven by
/// a real browser; the apps' telemetry code is not used here, the test's own tracer listens to the same sources.
/// </summary>
[Collection(BrowserCollection.Name)]
public class DashboardTraceTests(Browser browser)
{
    /// <summary>Spans as they end; adding and reading take a lock (the apps end spans on their own threads).</summary>
    sealed class Spans : Collection<Activity>
    {
        protected override void InsertItem(int index, Activity item) { lock (this) base.InsertItem(index, item); }
        public Activity[] All() { lock (this) return [.. this]; }
    }

    /// <summary>An app on a real socket (127.0.0.1, a port of its own), configured through the names it reads.</summary>
    sealed class InProcess<TProgram>(params (string Key, string Value)[] settings) : WebApplicationFactory<TProgram> where TProgram : class
    {
        public Uri Start()
        {
            UseKestrel();
            StartServer();
            using var client = CreateClient();
            return client.BaseAddress!;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }

    [Fact]
    public async Task A_click_on_Generate_Text_is_one_trace_from_the_page_through_the_client_into_ModelApis_stages()
    {
        var spans = new Spans();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(DashboardTelemetry.ComponentsSource, ModelApiTelemetry.Name)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();
        using var api = new InProcess<ModelApiApp::Program>(("MODEL_PATH", TestModels.Tiny), ("HOST", "127.0.0.1"), ("PORT", "0"), ("THREADS", "1"));
        var apiAddress = api.Start();
        using var dashboard = new InProcess<Program>(("GPT_API_URL", apiAddress.ToString()), ("HOST", "127.0.0.1"), ("PORT", "0"));
        var page = new CustomGptPage(await browser.OpenAsync(dashboard.Start()));
        await page.TestConnectionAsync("ready");
        await page.ById("prompt").FillAsync("the fox");
        await page.SetNumberAsync("num-chars", 20);
        await page.GenerateAsync();
        await page.Page.Context.CloseAsync();

        // ModelApi's request span for the stream ends just after the response: wait for it (a hang guard).
        Activity? generate = null;
        for (var i = 0; i < 600 && generate is null; i++, await Task.Delay(50))
            generate = spans.All().FirstOrDefault(s => s.Kind == ActivityKind.Server && s.GetTagItem("http.route") as string == "/generate");
        Assert.NotNull(generate);
        var trace = spans.All().Where(s => s.TraceId == generate.TraceId).ToArray();
        var byId = trace.ToDictionary(s => s.SpanId);
        string Describe() => string.Join('\n', trace.OrderBy(s => s.StartTimeUtc).Select(s => $"{s.Source.Name} {s.Kind} '{s.DisplayName}' {s.SpanId} <- {s.ParentSpanId}"));

        // ModelApi's span is the child of the Dashboard's HttpClient call, which is the child of the click.
        Assert.True(byId.TryGetValue(generate.ParentSpanId, out var client), "ModelApi's span has no parent in the trace:\n" + Describe());
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.EndsWith("/generate", client.GetTagItem("url.full") as string ?? "", StringComparison.Ordinal);
        Assert.True(byId.TryGetValue(client.ParentSpanId, out var click), "the client call has no parent in the trace:\n" + Describe());
        Assert.Equal(DashboardTelemetry.ComponentsSource, click.Source.Name);
        Assert.Contains("HandleEvent", click.OperationName, StringComparison.Ordinal);

        // ModelApi's stages, in order, under its request span.
        var stages = trace.Where(s => s.Source.Name == ModelApiTelemetry.Name).OrderBy(s => s.StartTimeUtc).ToArray();
        string[] order = ["key check", "queue wait", "prompt decode", "generation"];
        Assert.Equal(order, stages.Select(s => s.DisplayName).Where(order.Contains));
        Assert.All(stages, s => Assert.Equal(generate.SpanId, s.ParentSpanId));
        Assert.Contains(stages, s => s.DisplayName == "stream write");
        Assert.Equal("completed", Assert.Single(stages, s => s.DisplayName == "generation").GetTagItem("customgpt.outcome"));
    }
}
