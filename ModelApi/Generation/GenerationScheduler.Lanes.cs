using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

// The scheduler thread's work on its lanes: admit waiting jobs, build and decode each step's batches, sample,
// and end each job with exactly one of succeed, cancel or fail (how prompts are placed and chunked: .Prompts.cs).
// Only the scheduler thread runs this.
public sealed partial class GenerationScheduler
{
    void FailAll(Exception reason)
    {
        for (var lane = 0; lane < lanes.Length; lane++) if (lanes[lane] is { } job) Fail(lane, job, reason);
    }

    void Admit()
    {
        while (Array.IndexOf(lanes, null) >= 0 && queue.TryTake() is { } job)
        {
            if (job.Cancellation.IsCancellationRequested)
            {
                CancelWaiting(job);
                continue;
            }
            var lane = BestLane(job.Plan.PromptTokens);
            try
            {
                job.Sampler = TokenSampler.Create(model, job.Plan.Sampling);
                Reuse(lane, job);
            }
            catch (Exception e)
            {
                job.Sampler?.Dispose();
                job.Sampler = null;
                memories[lane].Distrust(); // whatever happened to its cells, the next job clears them
                FailWaiting(job, e);
                continue;
            }
            job.MarkPromptStarted();
            lanes[lane] = job;
            Interlocked.Increment(ref active);
        }
    }

    /// <summary>One step: every generating lane's next token and the prompts' next chunks. False when there was nothing to do.</summary>
    bool Step()
    {
        // Every generating lane's next token has its place (the constructor made sure they fit): it keeps each
        // stream moving. Prompts share the rest, a chunk per lane; a long prompt continues in the next step.
        var streaming = 0;
        foreach (var job in lanes) if (job is { PromptDone: true }) streaming++;
        var room = context.BatchSize - streaming;
        var limit = streaming > 0 ? PromptChunkBesideStreams : room;
        var lastPromptTurn = LastPromptTurn();
        var decoded = false;
        for (var lane = 0; promptsInTiles && lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not { PromptDone: false } job || !InTiles(job.Plan.PromptTokens) || memories[lane].LastUsed > lastPromptTurn) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(lane, job); continue; }
            var take = TileChunk(job.PromptLeft, Math.Min(room, limit));
            if (take == 0) continue; // the next step has more room
            batch.Clear();
            AddPromptChunk(lane, job, take);
            room -= take;
            if (!DecodeAndSample()) return true;
            decoded = true;
        }

        // In lane order, generating tokens and prompt chunks side by side: llama.cpp splits a decode over lanes of
        // their own into sub-batches of consecutive lanes with as many tokens each, one pass over the weights per
        // sub-batch, so lane order keeps a waiting prompt from cutting the generating lanes into two passes.
        // A lane whose prompt in tiles just ended gets its next token too: the room its chunk took holds it.
        batch.Clear();
        var chunk = flashAttention ? FlashAttentionChunk : limit;
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not { } job) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(lane, job); continue; }
            if (job.PromptDone) AddNextToken(lane, job);
            else if (room > 0 && !InTiles(job.Plan.PromptTokens) && memories[lane].LastUsed <= lastPromptTurn)
                room -= AddPromptChunk(lane, job, RowChunk(job.PromptLeft, Math.Min(room, chunk)));
        }
        if (batch.Count == 0) return decoded || lanes.Any(j => j is not null);
        DecodeAndSample();
        return true;
    }

    /// <summary>Decodes the batch and samples every lane whose logits it asked for. False when the decode failed (and with it every request).</summary>
    bool DecodeAndSample()
    {
        try
        {
            context.Decode(batch);
            Metrics.DecodeStep();
        }
        catch (LlamaException e)
        {
            logger.LogError(e, "Decode failed; failing the {Count} requests in the batch", lanes.Count(j => j is not null));
            FailAll(e);
            return false;
        }

        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not { LogitsIndex: { } index } job) continue;
            job.LogitsIndex = null;
            try
            {
                var next = job.Sampler!.Sample(context, index);
                job.OnTokenSampled();
                Accept(lane, job, next);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One request's failure (a sampler, a stop-sequence scan) is that request's alone.
                logger.LogError(e, "A generation failed after {Tokens} tokens", job.CompletionTokens);
                Fail(lane, job, e);
            }
        }
        return true;
    }

    void AddNextToken(int lane, GenerationJob job)
    {
        try
        {
            if (job.Position >= context.SequenceContextSize) SlideWindow(lane, job);
        }
        catch (LlamaException e)
        {
            Fail(lane, job, e);
            return;
        }
        // Not remembered for reuse: a token decoded alone gets cells that differ in the last bits from
        // the same token decoded among many (llama.cpp adds in another order), and reuse must not change the text.
        job.LogitsIndex = batch.Add(job.LastToken, job.Position++, lane, wantLogits: true);
    }

    void Accept(int lane, GenerationJob job, int token)
    {
        if (model.IsEndOfGeneration(token))
        {
            job.Emit(job.Output.Complete());
            Succeed(lane, job, job.Output.FinishReason ?? FinishReasons.Eos);
            return;
        }
        job.CompletionTokens++;
        job.LastToken = token;
        job.Emit(job.Output.Push(model.TokenBytes(token)));
        if (job.Output.FinishReason is { } reason)
        {
            Succeed(lane, job, reason);
        }
        else if (job.CompletionTokens >= job.Plan.MaxTokens || (job.Position >= context.SequenceContextSize && !context.CanShift))
        {
            job.Emit(job.Output.Complete());
            Succeed(lane, job, job.Output.FinishReason ?? FinishReasons.Length);
        }
    }

    /// <summary>
    /// A full lane forgets the older half of what follows the tokens it keeps, and the rest moves down, as
    /// llama-server's context shift does: a text of any length goes on from the latest half context.
    /// </summary>
    void SlideWindow(int lane, GenerationJob job)
    {
        var keep = job.Plan.KeepTokens;
        var discard = (job.Position - keep) / 2;
        memories[lane].Distrust(); // positions no longer match tokens: nothing here can be reused
        job.Position = context.ShiftSequence(lane, job.Position, keep, discard);
        job.ContextShifts++;
        Metrics.ContextShift();
    }

    void Succeed(int lane, GenerationJob job, string reason)
    {
        Release(lane, job, keepCells: true);
        Metrics.Completed(job.Plan.PromptTokens.Length, job.CompletionTokens);
        job.Succeed(reason);
        // Counts and timings only: prompt and output text stay out of the logs.
        if (logger.IsEnabled(LogLevel.Information) && job.Completion.IsCompletedSuccessfully)
        {
            var r = job.Completion.Result;
            logger.LogInformation("Generated {Tokens} tokens after a {PromptTokens}-token prompt ({Reason}): TTFT {Ttft} ms, {TokensPerSecond} tokens/s, {Total} ms",
                r.Usage.CompletionTokens, r.Usage.PromptTokens, r.FinishReason, r.Timings.TtftMs, r.Timings.TokensPerSecond, r.Timings.TotalMs);
        }
    }

    void Cancel(int lane, GenerationJob job)
    {
        // Every token in its cells was decoded in a step that succeeded: they can serve the next prompt.
        Release(lane, job, keepCells: true);
        Metrics.Cancelled(job.PromptCursor, job.CompletionTokens);
        job.Cancel();
    }

    void Fail(int lane, GenerationJob job, Exception error)
    {
        Release(lane, job, keepCells: false); // a failed decode leaves cells in an unknown state
        Metrics.Failed();
        job.Fail(error);
    }

    /// <summary>Frees the lane: its sampler and its place in the count, and its KV cells unless the
    /// prompt cache keeps them for a later prompt with the same beginning.</summary>
    void Release(int lane, GenerationJob job, bool keepCells)
    {
        lanes[lane] = null;
        job.LogitsIndex = null;
        if (!keepCells || !promptCache || !memories[lane].Trusted)
        {
            context.ClearSequence(lane);
            memories[lane].Reset();
        }
        job.Sampler?.Dispose();
        job.Sampler = null;
        Interlocked.Decrement(ref active);
        Interlocked.Decrement(ref admitted);
    }
}
