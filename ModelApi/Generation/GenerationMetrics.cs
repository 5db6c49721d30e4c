using CustomGpt.ModelApi.Telemetry;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// What the scheduler counts: each event goes to the process's instruments (<see cref="ModelApiTelemetry"/>, exported at
/// /metrics and over OTLP) and to this scheduler's own tallies, which tests and callers read without a metrics reader.
/// </summary>
public sealed class GenerationMetrics
{
    static readonly KeyValuePair<string, object?> CompletedTag = new("outcome", "completed"), CancelledTag = new("outcome", "cancelled"),
        FailedTag = new("outcome", "failed"), RejectedTag = new("outcome", "rejected_busy");

    long cancelled, failed, rejected, generatedTokens, reusedPromptTokens, decodeSteps, contextShifts;

    public long GeneratedTokens => Interlocked.Read(ref generatedTokens);
    public long DecodeSteps => Interlocked.Read(ref decodeSteps);
    public long CancelledRequests => Interlocked.Read(ref cancelled);
    public long FailedRequests => Interlocked.Read(ref failed);
    public long RejectedRequests => Interlocked.Read(ref rejected);
    public long ReusedPromptTokens => Interlocked.Read(ref reusedPromptTokens);
    public long ContextShifts => Interlocked.Read(ref contextShifts);

    internal void Completed(int prompt, int generated) { ModelApiTelemetry.Requests.Add(1, CompletedTag); Count(prompt, generated); }
    internal void Cancelled(int prompt, int generated) { Interlocked.Increment(ref cancelled); ModelApiTelemetry.Requests.Add(1, CancelledTag); Count(prompt, generated); }
    internal void Failed() { Interlocked.Increment(ref failed); ModelApiTelemetry.Requests.Add(1, FailedTag); }
    internal void Rejected() { Interlocked.Increment(ref rejected); ModelApiTelemetry.Requests.Add(1, RejectedTag); }
    internal void DecodeStep() { Interlocked.Increment(ref decodeSteps); ModelApiTelemetry.DecodeSteps.Add(1); }
    internal void PromptTokensReused(int tokens) { Interlocked.Add(ref reusedPromptTokens, tokens); ModelApiTelemetry.PromptTokensReused.Add(tokens); }
    internal void ContextShift() { Interlocked.Increment(ref contextShifts); ModelApiTelemetry.ContextShifts.Add(1); }

    void Count(int prompt, int generated)
    {
        Interlocked.Add(ref generatedTokens, generated);
        ModelApiTelemetry.PromptTokens.Add(prompt);
        ModelApiTelemetry.GeneratedTokens.Add(generated);
    }
}
