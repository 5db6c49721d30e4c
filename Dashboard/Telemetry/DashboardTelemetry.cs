using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CustomGpt.Dashboard.Telemetry;

public static class DashboardTelemetry
{
    /// <summary>Blazor's own spans (.NET 10): a click on the page is a span ("HandleEvent"), and the calls to ModelApi it
    /// makes are its children, so a trace starts where the person acted, not at the circuit's long-lived WebSocket.</summary>
    public const string ComponentsSource = "Microsoft.AspNetCore.Components";

    /// <summary>
    /// Traces and metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, metrics in Prometheus text on the metrics
    /// port when METRICS_PORT is set (<see cref="MetricsPort"/>), and nothing otherwise. The page's requests and its calls
    /// to ModelApi (the client's HttpClient) become spans; HttpClient sends W3C traceparent on every call anyway, so
    /// ModelApi's spans join the Dashboard's trace. OTEL_* settings work as OpenTelemetry documents them.
    /// </summary>
    public static WebApplicationBuilder AddDashboardTelemetry(this WebApplicationBuilder builder, int? metricsPort)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && metricsPort is null) return builder;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "customgpt-dashboard"))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation();
                if (otlp) m.AddOtlpExporter();
                if (metricsPort is not null)
                    m.AddPrometheusExporter(o =>
                    {
                        o.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape sees the counts of the moment
                        o.ScopeInfoEnabled = false;                   // the same label sets as ModelApi's /metrics
                    });
            });
        if (otlp)
            telemetry.WithTracing(t => t.AddSource(ComponentsSource)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/health")
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        return builder;
    }
}
