using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CustomGpt.Dashboard.Telemetry;

public static class DashboardTelemetry
{
    /// <summary>
    /// Traces and metrics over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and nothing otherwise. The page's requests
    /// and its calls to ModelApi (the client's HttpClient) become spans; HttpClient sends W3C traceparent on every call
    /// anyway, so ModelApi's spans join the Dashboard's trace. OTEL_* settings work as OpenTelemetry documents them.
    /// </summary>
    public static WebApplicationBuilder AddDashboardTelemetry(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "customgpt-dashboard"))
            .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/health")
                .AddHttpClientInstrumentation()
                .AddOtlpExporter())
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation().AddOtlpExporter());
        return builder;
    }
}
