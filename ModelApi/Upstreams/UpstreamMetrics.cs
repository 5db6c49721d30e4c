using System.Diagnostics.Metrics;
using CustomGpt.ModelApi.Telemetry;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// Per deployment (its <see cref="Models.UpstreamDeployment.Id"/>, never its key): attempts by outcome and their latency
/// (to the upstream's response headers, or its whole answer when not streaming), retries onto another deployment, and
/// cool-downs. On the project's meter, so they show at /metrics (customgpt_upstream_*) and over OTLP.
/// </summary>
static class UpstreamMetrics
{
    static readonly Counter<long> Attempts = ModelApiTelemetry.Meter.CreateCounter<long>("customgpt.upstream.attempts",
        description: "Calls to upstream deployments by outcome (ok, refused: a 4xx passed on, failed, timeout, cooldown).");
    static readonly Histogram<double> Latency = ModelApiTelemetry.Meter.CreateHistogram<double>("customgpt.upstream.latency", "s",
        "Time an upstream deployment took to answer (headers when streaming, the whole body otherwise).");
    static readonly Counter<long> Retries = ModelApiTelemetry.Meter.CreateCounter<long>("customgpt.upstream.retries",
        description: "Failed upstream calls retried on the next deployment of the same model name, by the deployment that failed.");
    static readonly Counter<long> Cooldowns = ModelApiTelemetry.Meter.CreateCounter<long>("customgpt.upstream.cooldowns",
        description: "Times a deployment was taken out of rotation (allowed_fails exceeded) for cooldown_time.");
    static readonly Counter<long> Fallbacks = ModelApiTelemetry.Meter.CreateCounter<long>("customgpt.upstream.fallbacks",
        description: "Requests that moved on to a fallback model name after the asked one failed.");

    public static void Attempt(string model, string deployment, string outcome, TimeSpan elapsed)
    {
        KeyValuePair<string, object?>[] tags = [new("model", model), new("deployment", deployment), new("outcome", outcome)];
        Attempts.Add(1, tags);
        Latency.Record(elapsed.TotalSeconds, tags);
    }

    public static void Retried(string model, string deployment) =>
        Retries.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("deployment", deployment));

    public static void CooledDown(string model, string deployment) =>
        Cooldowns.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("deployment", deployment));

    public static void FellBack(string from, string to) =>
        Fallbacks.Add(1, new KeyValuePair<string, object?>("model", from), new KeyValuePair<string, object?>("fallback", to));

    /// <summary>A zero for every series of a deployment, so a scrape has them from the start (a rate() needs its first point).</summary>
    public static void Known(string model, string deployment)
    {
        foreach (var outcome in (string[])["ok", "refused", "failed", "timeout"])
            Attempts.Add(0, new("model", model), new("deployment", deployment), new("outcome", outcome));
        Retries.Add(0, new("model", model), new("deployment", deployment));
        Cooldowns.Add(0, new("model", model), new("deployment", deployment));
    }
}
