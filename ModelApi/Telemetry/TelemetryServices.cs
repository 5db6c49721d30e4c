using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CustomGpt.ModelApi.Telemetry;

public static class TelemetryServices
{
    /// <summary>OpenTelemetry's standard setting: where an OTLP collector listens. Unset, nothing leaves the process.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Metrics always (read at GET /metrics, and pushed over OTLP when <see cref="OtlpEndpoint"/> is set); traces only
    /// when there is somewhere to send them: without a TracerProvider, ActivitySource.StartActivity returns null and a
    /// request pays nothing for its spans. OTEL_* settings (protocol, headers, interval, service name) work as documented by OpenTelemetry.
    /// </summary>
    public static WebApplicationBuilder AddModelApiTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpoint]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "customgpt-modelapi"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ModelApiTelemetry.Name)
                    .AddAspNetCoreInstrumentation() // http_server_request_duration_seconds{http_route,http_response_status_code}
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()    // the runtime's own meter: GC, JIT, thread pool, working set
                    .AddView("customgpt.generation.tokens_per_second", new ExplicitBucketHistogramConfiguration { Boundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500] })
                    .AddPrometheusExporter(o =>
                    {
                        o.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape sees the counts of the moment
                        o.ScopeInfoEnabled = false;                   // series keep the labels they had before (no otel_scope_*)
                    });
                if (otlp) metrics.AddOtlpExporter();
            });
        if (otlp) telemetry.WithTracing(tracing => AddSources(tracing).AddOtlpExporter());
        return builder;
    }

    /// <summary>The spans ModelApi makes: every HTTP request, its outgoing calls (model downloads), and its own stages.</summary>
    public static TracerProviderBuilder AddSources(TracerProviderBuilder tracing) => tracing
        .AddSource(ModelApiTelemetry.Name)
        .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/health")
        .AddHttpClientInstrumentation();
}
