using Microsoft.AspNetCore.Routing;
using CustomGpt.ModelApi.Gateway;
using OpenTelemetry.Exporter;

namespace CustomGpt.ModelApi.Apis;

public static class MetricsApi
{
    /// <summary>GET /metrics: Prometheus text from OpenTelemetry's exporter (instruments in Telemetry/). It names every key
    /// and its usage, so only the master key, API_KEY or METRICS_TOKEN (a scraper's) may read it, never a virtual key.</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(GatewayPolicies.Metrics)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get])) // the exporter maps every method; a scrape is a GET
            .WithName("Metrics")
            .WithSummary("Request and token counters, per key alias too, gateway rejections by reason, request durations, runtime and process memory, in Prometheus text format.");
        return app;
    }
}
