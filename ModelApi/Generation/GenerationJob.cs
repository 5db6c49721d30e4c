using System.Diagnostics;
using System.Threading.Channels;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Telemetry;

namespace CustomGpt.ModelApi.Generation;

/// <summary>What a validated request asks the scheduler to do.</summary>
public sealed record GenerationPlan(
    int[] PromptTokens,
    SamplingOptions Sampling,
    int? NumChars,
    int MaxTokens,
    IReadOnlyList<string> Stop,
    // Leading prompt tokens a context shift never forgets.
    int KeepTokens);

public sealed record GenerationResult(string Text, long Seed, string FinishReason, Usage Usage, Timings Timings);

/// <summary>
/// One request travelling through the scheduler. The HTTP side reads <see cref="Deltas"/> and
/// awaits <see cref="Completion"/>; only the scheduler thread touches the rest.
/// </summary>
public sealed class GenerationJob(GenerationPlan plan, bool streamDeltas, CancellationToken cancellation)
{
    readonly Channel<string> deltas = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    readonly TaskCompletionSource<GenerationResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly long queuedAt = Stopwatch.GetTimestamp();
    // The HTTP request's span, for the stage spans written when the job ends (Telemetry/GenerationTelemetry.cs).
    readonly ActivityContext requestSpan = Activity.Current?.Context ?? default;
    readonly DateTimeOffset queuedWall = DateTimeOffset.UtcNow;
    long promptStartedAt, firstTokenAt;

    public GenerationPlan Plan { get; } = plan;
    public CancellationToken Cancellation { get; } = cancellation;
    public ChannelReader<string> Deltas => deltas.Reader;
    public Task<GenerationResult> Completion => completion.Task;

    // Queue-owned: where the job waits, until a lane takes it (guarded by the queue's lock).
    internal LinkedListNode<GenerationJob>? QueueEntry { get; set; }
    internal CancellationTokenRegistration WithdrawOnCancel { get; set; }

    // Scheduler-owned state, touched only by the scheduler thread.
    internal OutputText Output { get; } = new(plan.NumChars, plan.Stop);
    internal TokenSampler? Sampler { get; set; }
    internal int PromptCursor { get; set; }
    internal int Position { get; set; }
    internal int LastToken { get; set; }
    internal int CompletionTokens { get; set; }
    /// <summary>Prompt tokens the lane already held from an earlier request: not decoded again.</summary>
    internal int CachedTokens { get; set; }
    /// <summary>How often the window moved on because the text outgrew the context.</summary>
    internal int ContextShifts { get; set; }
    /// <summary>Where this job's logits are in the batch just decoded; null when it has none there.</summary>
    internal int? LogitsIndex { get; set; }
    /// <summary>Prompt tokens still to decode.</summary>
    internal int PromptLeft => Plan.PromptTokens.Length - PromptCursor;
    internal bool PromptDone => PromptLeft <= 0;

    internal void MarkPromptStarted() => promptStartedAt = Stopwatch.GetTimestamp();

    internal void Emit(string text)
    {
        if (text.Length == 0) return;
        if (streamDeltas) deltas.Writer.TryWrite(text);
    }

    internal void OnTokenSampled()
    {
        if (firstTokenAt == 0) firstTokenAt = Stopwatch.GetTimestamp();
    }

    internal void Succeed(string finishReason)
    {
        var now = Stopwatch.GetTimestamp();
        var first = firstTokenAt == 0 ? now : firstTokenAt;
        var promptSeconds = Stopwatch.GetElapsedTime(promptStartedAt == 0 ? queuedAt : promptStartedAt, first).TotalSeconds;
        var genSeconds = Stopwatch.GetElapsedTime(first, now).TotalSeconds;
        var timings = new Timings(
            TtftMs: Math.Round(Stopwatch.GetElapsedTime(queuedAt, first).TotalMilliseconds, 2),
            PromptTokensPerSecond: promptSeconds > 0 ? Math.Round((Plan.PromptTokens.Length - CachedTokens) / promptSeconds, 1) : 0,
            TokensPerSecond: genSeconds > 0 && CompletionTokens > 1 ? Math.Round((CompletionTokens - 1) / genSeconds, 1) : 0,
            TotalMs: Math.Round(Stopwatch.GetElapsedTime(queuedAt, now).TotalMilliseconds, 2),
            ContextShifts: ContextShifts);
        WithdrawOnCancel.Dispose();
        Stages(now, "completed").Record();
        deltas.Writer.TryComplete();
        completion.TrySetResult(new GenerationResult(Output.Text, Plan.Sampling.Seed, finishReason,
            new Usage(Plan.PromptTokens.Length, CompletionTokens, CachedTokens), timings));
    }

    internal void Fail(Exception error)
    {
        WithdrawOnCancel.Dispose();
        Stages(Stopwatch.GetTimestamp(), "failed").Record();
        deltas.Writer.TryComplete(error);
        completion.TrySetException(error);
    }

    internal void Cancel()
    {
        WithdrawOnCancel.Dispose();
        Stages(Stopwatch.GetTimestamp(), "cancelled").Record();
        deltas.Writer.TryComplete(new OperationCanceledException(Cancellation));
        completion.TrySetCanceled(Cancellation);
    }

    GenerationStages Stages(long endedAt, string outcome) =>
        new(requestSpan, queuedWall, queuedAt, promptStartedAt, firstTokenAt, endedAt, Plan.PromptTokens.Length, CachedTokens, CompletionTokens, ContextShifts, outcome);
}
