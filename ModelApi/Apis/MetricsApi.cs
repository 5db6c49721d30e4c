using System.Text;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Apis;

public static class MetricsApi
{
    /// <summary>GET /metrics: Prometheus text. It names every key and its usage, so only the master key, API_KEY or
    /// METRICS_TOKEN (a scraper's) may read it, never a virtual key.</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (ModelHost host, GatewayMetrics gateway) =>
        {
            var scheduler = host.Status.Scheduler;
            var text = new StringBuilder(scheduler is null ? "" : scheduler.Metrics.ToPrometheus(scheduler.Active, scheduler.Admitted - scheduler.Active));
            gateway.AppendPrometheus(text);
            AppendProcess(text);
            return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4");
        }).RequireAuthorization(GatewayPolicies.Metrics).WithName("Metrics").WithSummary("Request and token counters, per key alias too, and gateway rejections by reason, in Prometheus text format.");
        return app;
    }

    /// <summary>Where memory is: resident in all (llama.cpp's buffers included) and the .NET heap's share.</summary>
    static void AppendProcess(StringBuilder text)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        PrometheusText.Family(text, "process_resident_memory_bytes", "gauge", "Resident memory of the process.", ("", process.WorkingSet64));
        PrometheusText.Family(text, "dotnet_gc_heap_bytes", "gauge", "The .NET heap after the last collection.", ("", gc.HeapSizeBytes));
        PrometheusText.Family(text, "dotnet_gc_committed_bytes", "gauge", "Memory the .NET GC holds from the system.", ("", gc.TotalCommittedBytes));
    }
}
