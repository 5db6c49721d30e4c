using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Apis;

public static class MetricsApi
{
    /// <summary>GET /metrics: Prometheus text. Behind the API key like everything but /health.</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (ModelHost host) =>
        {
            var scheduler = host.Status.Scheduler;
            var text = scheduler is null ? "" : scheduler.Metrics.ToPrometheus(scheduler.Active, scheduler.Admitted - scheduler.Active);
            return TypedResults.Text(text, "text/plain; version=0.0.4");
        }).WithName("Metrics").WithSummary("Request and token counters in Prometheus text format.");
        return app;
    }
}
