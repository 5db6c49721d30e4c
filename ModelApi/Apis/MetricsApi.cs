using System.Text;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Apis;

public static class MetricsApi
{
    /// <summary>GET /metrics: Prometheus text. Behind the API key like everything but /health.</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (ModelHost host, GatewayMetrics gateway) =>
        {
            var scheduler = host.Status.Scheduler;
            var text = new StringBuilder(scheduler is null ? "" : scheduler.Metrics.ToPrometheus(scheduler.Active, scheduler.Admitted - scheduler.Active));
            gateway.AppendPrometheus(text);
            return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4");
        }).WithName("Metrics").WithSummary("Request and token counters, per key alias too, and gateway rejections by reason, in Prometheus text format.");
        return app;
    }
}
