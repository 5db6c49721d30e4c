using System.Diagnostics;

namespace CustomGpt.ModelApi.Telemetry;

/// <summary>
/// One request's stages through the scheduler, as timestamps (Stopwatch ticks, 0 for a stage never reached), turned into
/// histograms and, when a tracer listens, spans under the HTTP request's span. The spans are written when the request
/// ends, from the times the job kept: the scheduler thread starts none while it decodes.
/// </summary>
public readonly record struct GenerationStages(
    ActivityContext Parent, DateTimeOffset QueuedWall, long QueuedAt, long PromptStartedAt, long FirstTokenAt, long EndedAt,
    int PromptTokens, int CachedTokens, int CompletionTokens, int ContextShifts, string Outcome)
{
    public void Record()
    {
        if (PromptStartedAt != 0) ModelApiTelemetry.QueueWait.Record(Stopwatch.GetElapsedTime(QueuedAt, PromptStartedAt).TotalSeconds);
        if (FirstTokenAt != 0) ModelApiTelemetry.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(QueuedAt, FirstTokenAt).TotalSeconds);
        if (FirstTokenAt != 0 && CompletionTokens > 1 && Stopwatch.GetElapsedTime(FirstTokenAt, EndedAt).TotalSeconds is > 0 and var seconds)
            ModelApiTelemetry.TokensPerSecond.Record((CompletionTokens - 1) / seconds);
        if (ModelApiTelemetry.Source.HasListeners()) Spans();
    }

    void Spans()
    {
        var promptStarted = PromptStartedAt != 0 ? PromptStartedAt : EndedAt;
        Span("queue wait", QueuedAt, promptStarted, []);
        if (PromptStartedAt == 0) return;
        var firstToken = FirstTokenAt != 0 ? FirstTokenAt : EndedAt;
        Span("prompt decode", PromptStartedAt, firstToken, [new("customgpt.prompt_tokens", PromptTokens), new("customgpt.cached_tokens", CachedTokens)]);
        if (FirstTokenAt == 0) return;
        Span("generation", FirstTokenAt, EndedAt, [new("customgpt.completion_tokens", CompletionTokens), new("customgpt.context_shifts", ContextShifts), new("customgpt.outcome", Outcome)]);
    }

    void Span(string name, long from, long to, KeyValuePair<string, object?>[] tags)
    {
        using var span = ModelApiTelemetry.Source.StartActivity(name, ActivityKind.Internal, Parent, tags, startTime: Wall(from));
        if (span is null) return;
        span.SetEndTime(Wall(to).UtcDateTime);
        if (Outcome == "failed" && to == EndedAt) span.SetStatus(ActivityStatusCode.Error);
    }

    DateTimeOffset Wall(long timestamp) => QueuedWall + Stopwatch.GetElapsedTime(QueuedAt, timestamp);
}
