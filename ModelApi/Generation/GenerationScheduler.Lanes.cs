using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

// The scheduler thread's work on its lanes: admit waiting jobs, build and decode one batch, sample,
// and end each job with exactly one of succeed, cancel or fail. Only the scheduler thread runs this.
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

    /// <summary>
    /// The free lane whose cells share the longest prefix with the prompt, when that covers at least half
    /// of what the lane holds (the prompt goes on from it: the next turn of its conversation); else the
    /// least recently used lane, so a shared template opening does not overwrite another conversation's cache.
    /// </summary>
    int BestLane(int[] prompt)
    {
        int best = -1, bestShared = -1, oldest = -1;
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not null) continue;
            if (oldest < 0 || memories[lane].LastUsed < memories[oldest].LastUsed) oldest = lane;
            var shared = Reusable(lane, prompt);
            if (shared > bestShared) (best, bestShared) = (lane, shared);
        }
        return bestShared > 0 && bestShared * 2 >= memories[best].Count ? best : oldest;
    }

    /// <summary>How many leading tokens of the prompt the lane's cells hold in a form the prompt can reuse.</summary>
    int Reusable(int lane, int[] prompt) =>
        promptCache && (!promptsInTiles || memories[lane].InTiles == InTiles(prompt)) ? memories[lane].CommonPrefix(prompt) : 0;

    /// <summary>
    /// Keeps the lane's cells for the prefix it shares with the prompt and drops the rest, so only the
    /// tail is decoded. At least the prompt's last token is decoded again: its logits give the first token.
    /// With flash attention more is (<see cref="FlashAttentionTile"/>): the last 64 of a prompt in tiles, else the last two.
    /// </summary>
    void Reuse(int lane, GenerationJob job)
    {
        var memory = memories[lane];
        var prompt = job.Plan.PromptTokens;
        var again = !flashAttention || prompt.Length <= 2 ? 1 : InTiles(prompt) ? FlashAttentionTile : 2;
        var reused = Math.Min(Reusable(lane, prompt), prompt.Length - again);
        if (reused > 0 && context.RemoveFrom(lane, reused))
        {
            memory.KeepFirst(reused);
            Metrics.PromptTokensReused(reused);
        }
        else
        {
            context.ClearSequence(lane);
            memory.Reset();
            reused = 0;
        }
        memory.InTiles = InTiles(prompt);
        memory.LastUsed = ++admissions;
        job.PromptCursor = job.Position = job.CachedTokens = reused;
    }

    /// <summary>
    /// A prompt's share of a step while other lanes stream. A step ends before any lane gets its next token, so beside
    /// streaming lanes a prompt advances by at most this many tokens (under a second on 2 cores) and a long prompt never
    /// holds their streams back for long. With no lane streaming, a prompt takes all the room the batch has, as in
    /// llama-server: each step is one pass over the weights, so fewer, fuller steps decode a long prompt faster.
    /// </summary>
    internal const int PromptChunkBesideStreams = 128;

    /// <summary>
    /// With flash attention, llama.cpp's CPU kernel computes a lane's rows of a batch on a tiled path from its query tile of
    /// 64 rows up, row by row below it, and for a single row against 512 or more cells on a split path; the three round
    /// differently. So that a cached beginning plus a tail gives the cells the whole prompt gives, each prompt keeps to one
    /// path: one of 64 tokens or more goes in tiles, chunks of at least 64 rows, each in a decode of its own (in a decode with
    /// other lanes llama.cpp cuts every lane's share to the shortest one's); a shorter one goes in chunks of 2 to
    /// <see cref="FlashAttentionChunk"/> rows beside the other lanes. (Without flash attention a prompt is one kind.)
    /// </summary>
    internal const int FlashAttentionTile = 64;

    /// <summary>With flash attention, the most rows a chunk of a prompt that does not go in tiles has.</summary>
    internal const int FlashAttentionChunk = FlashAttentionTile - 1;

    bool InTiles(int[] prompt) => promptsInTiles && prompt.Length >= FlashAttentionTile;

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
            var take = TileChunk(job.Plan.PromptTokens.Length - job.PromptCursor, Math.Min(room, limit));
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
                room -= AddPromptChunk(lane, job, RowChunk(job.Plan.PromptTokens.Length - job.PromptCursor, Math.Min(room, chunk)));
        }
        if (batch.Count == 0) return decoded || lanes.Any(j => j is not null);
        DecodeAndSample();
        return true;
    }

    /// <summary>
    /// How many rows of a prompt in tiles the next chunk takes: all that is left when it fits, else as many as fit while
    /// 64 or more stay for later; 0 when no such chunk fits.
    /// </summary>
    static int TileChunk(int left, int limit)
    {
        if (left <= limit) return left;
        var take = Math.Min(limit, left - FlashAttentionTile);
        return take >= FlashAttentionTile ? take : 0;
    }

    /// <summary>How many rows of any other prompt the next chunk takes; with flash attention never leaving a last chunk of one row.</summary>
    int RowChunk(int left, int limit)
    {
        var take = Math.Min(limit, left);
        return flashAttention && left - take == 1 && take > 2 ? take - 1 : take;
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

    /// <summary>
    /// The prompts of at most half the lanes advance in one step, the earliest requests' first: when a burst of
    /// requests arrives, half of them get their first token after about half the prompt work instead of all of
    /// them after all of it (llama-server's way), and then generate beside the others' prompts. Returns the
    /// admission number of the latest prompt that takes its turn in this step.
    /// </summary>
    long LastPromptTurn()
    {
        var waiting = 0;
        for (var lane = 0; lane < lanes.Length; lane++)
            if (lanes[lane] is { PromptDone: false }) promptOrder[waiting++] = memories[lane].LastUsed;
        if (waiting == 0) return long.MinValue;
        var turns = Math.Max(1, lanes.Length / 2);
        if (waiting <= turns) return long.MaxValue;
        Array.Sort(promptOrder, 0, waiting);
        return promptOrder[turns - 1];
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

    /// <summary>The prompt's next <paramref name="take"/> tokens; returns <paramref name="take"/>.</summary>
    int AddPromptChunk(int lane, GenerationJob job, int take)
    {
        var prompt = job.Plan.PromptTokens;
        for (var i = 0; i < take; i++)
        {
            var last = job.PromptCursor + 1 == prompt.Length;
            memories[lane].Append(prompt[job.PromptCursor]);
            var index = batch.Add(prompt[job.PromptCursor++], job.Position++, lane, wantLogits: last);
            if (last) job.LogitsIndex = index;
        }
        return take;
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
