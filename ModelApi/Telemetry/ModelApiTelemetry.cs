using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Telemetry;

/// <summary>
/// ModelApi's own meter and activity source, both named <see cref="Name"/>. Instruments are plain
/// System.Diagnostics.Metrics: they cost an interlocked add when nobody listens, and OpenTelemetry
/// exports them at /metrics (Prometheus) and over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// Names follow OpenTelemetry; the Prometheus exporter turns "customgpt.requests" into customgpt_requests_total
/// and a unit "s" into a _seconds suffix, which keeps the series names /metrics had before (docs/operations.md).
/// </summary>
public static class ModelApiTelemetry
{
    public const string Name = "CustomGpt.ModelApi";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    // Generation, counted by the scheduler.
    internal static readonly Counter<long> Requests = Meter.CreateCounter<long>("customgpt.requests", description: "Generation requests by outcome.");
    internal static readonly Counter<long> PromptTokens = Meter.CreateCounter<long>("customgpt.prompt_tokens", description: "Prompt tokens processed.");
    internal static readonly Counter<long> PromptTokensReused = Meter.CreateCounter<long>("customgpt.prompt_tokens_reused", description: "Prompt tokens taken from a sequence's cache instead of decoded (prompt cache).");
    internal static readonly Counter<long> GeneratedTokens = Meter.CreateCounter<long>("customgpt.generated_tokens", description: "Tokens generated.");
    internal static readonly Counter<long> DecodeSteps = Meter.CreateCounter<long>("customgpt.decode_steps", description: "llama_decode calls.");
    internal static readonly Counter<long> ContextShifts = Meter.CreateCounter<long>("customgpt.context_shifts", description: "Times a text outgrew its context and the window moved on.");

    // Per request timings, recorded when a generation ends.
    internal static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("customgpt.queue.wait", "s", "Time a request waited for a free sequence (lane).");
    internal static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>("customgpt.time_to_first_token", "s", "From admission to the first generated token (queue wait and prompt decode).");
    internal static readonly Histogram<double> TokensPerSecond = Meter.CreateHistogram<double>("customgpt.generation.tokens_per_second", description: "Generation speed of one request after its first token.");

    // Gateway: per key (alias or id, "master", "none") and rejections by problem code.
    internal static readonly Counter<long> KeyRequests = Meter.CreateCounter<long>("customgpt.key.requests", description: "HTTP requests by key alias (or key id, \"master\", \"none\").");
    internal static readonly Counter<long> KeyTokens = Meter.CreateCounter<long>("customgpt.key.tokens", description: "Prompt and completion tokens by key alias.");
    // Per served model ("model") and the deployment that answered ("deployment": an upstream's host and path, or "local").
    internal static readonly Counter<long> ModelRequests = Meter.CreateCounter<long>("customgpt.model.requests", description: "HTTP requests routed to a model, by model, deployment and status class.");
    internal static readonly Counter<long> ModelTokens = Meter.CreateCounter<long>("customgpt.model.tokens", description: "Prompt and completion tokens by model and deployment.");
    internal static readonly Counter<double> ModelSpend = Meter.CreateCounter<double>("customgpt.model.spend", description: "What the tokens cost at the models' model_info costs, by model and deployment.");
    internal static readonly Counter<long> Rejections = Meter.CreateCounter<long>("customgpt.rejections", description: "Requests the gateway turned away, by reason (problem code).");

    /// <summary>Schedulers alive in this process (one in production), read by the gauges below when a reader collects.</summary>
    static readonly ConcurrentDictionary<GenerationScheduler, byte> schedulers = new();

    static ModelApiTelemetry()
    {
        Meter.CreateObservableGauge("customgpt.requests.active", () => (long)schedulers.Keys.Sum(s => s.Active), description: "Requests decoding now.");
        Meter.CreateObservableGauge("customgpt.requests.queued", () => (long)schedulers.Keys.Sum(s => s.Admitted - s.Active), description: "Requests waiting for a free sequence.");
        Meter.CreateObservableGauge("customgpt.lanes", () => (long)schedulers.Keys.Sum(s => s.Parallel), description: "Sequences (lanes) decoded together: PARALLEL.");
        Meter.CreateObservableGauge("customgpt.lanes.busy", () => (long)schedulers.Keys.Sum(s => s.Active), description: "Lanes holding a request now.");
        // Where memory is: resident in all (llama.cpp's buffers included) and the .NET heap's share.
        Meter.CreateObservableGauge("process.resident_memory", () => Environment.WorkingSet, "By", "Resident memory of the process.");
        Meter.CreateObservableGauge("dotnet.gc.heap", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "The .NET heap after the last collection.");
        Meter.CreateObservableGauge("dotnet.gc.committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, "By", "Memory the .NET GC holds from the system.");
    }

    /// <summary>The scheduler's lanes and queue show in the gauges until <see cref="Forget"/>.
    /// Also writes a zero to every generation counter, so a scrape has each series from the start (a rate() needs its first point).</summary>
    public static void Track(GenerationScheduler scheduler)
    {
        schedulers.TryAdd(scheduler, 0);
        foreach (var outcome in (string[])["completed", "cancelled", "failed", "rejected_busy"]) Requests.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        foreach (var counter in (Counter<long>[])[PromptTokens, PromptTokensReused, GeneratedTokens, DecodeSteps, ContextShifts]) counter.Add(0);
    }

    public static void Forget(GenerationScheduler scheduler) => schedulers.TryRemove(scheduler, out _);
}
