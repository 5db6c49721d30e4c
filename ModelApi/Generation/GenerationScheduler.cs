using System.Threading.Channels;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Continuous batching over one llama.cpp context. A single thread owns the context; every decode
/// step carries the next token of each active sequence, and prompts of newly admitted requests
/// fill the rest of the batch. Requests beyond the free sequences wait in a bounded queue.
/// </summary>
public sealed class GenerationScheduler : IDisposable
{
    readonly LlamaModel model;
    readonly LlamaContext context;
    readonly TokenBatch batch;
    readonly GenerationJob?[] slots;
    readonly Channel<GenerationJob> queue = Channel.CreateUnbounded<GenerationJob>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource stopping = new();
    readonly Thread thread;
    readonly ILogger logger;
    readonly int capacity;
    int admitted, active;

    public GenerationScheduler(LlamaModel model, ContextOptions options, int maxQueue, ILogger logger)
    {
        Metrics = new GenerationMetrics();
        this.model = model;
        this.logger = logger;
        context = LlamaContext.Create(model, options);
        batch = new TokenBatch(context.BatchSize);
        slots = new GenerationJob?[context.MaxSequences];
        capacity = slots.Length + maxQueue;
        WarmUp();
        thread = new Thread(Run) { IsBackground = true, Name = "generation-scheduler" };
        thread.Start();
    }

    /// <summary>Positions available to each request: prompt plus generated tokens.</summary>
    public int SequenceContextSize => context.SequenceContextSize;
    public int Parallel => slots.Length;

    /// <summary>Requests running or waiting right now.</summary>
    public int Admitted => Volatile.Read(ref admitted);

    /// <summary>Requests decoding right now (the rest of <see cref="Admitted"/> wait in the queue).</summary>
    public int Active => Volatile.Read(ref active);

    public GenerationMetrics Metrics { get; }

    /// <summary>Queues a job; false when the queue is full (the caller answers 503).</summary>
    public bool TryEnqueue(GenerationJob job)
    {
        if (Interlocked.Increment(ref admitted) > capacity)
        {
            Interlocked.Decrement(ref admitted);
            Metrics.Rejected();
            return false;
        }
        if (!queue.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref admitted);
            return false;
        }
        return true;
    }

    // One decode so the first request does not pay for allocating compute buffers.
    void WarmUp()
    {
        batch.Clear();
        batch.Add(model.BosToken >= 0 ? model.BosToken : 0, 0, 0, true);
        context.Decode(batch);
        context.ClearSequence(0);
    }

    void Run()
    {
        var token = stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Admit();
                if (!Step())
                    queue.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The generation scheduler stopped");
        }
        var error = new ObjectDisposedException("The model is shutting down.");
        for (var s = 0; s < slots.Length; s++) if (slots[s] is { } job) Fail(s, job, error);
        while (queue.Reader.TryRead(out var waiting)) { waiting.Fail(error); Interlocked.Decrement(ref admitted); }
    }

    void Admit()
    {
        for (var s = 0; s < slots.Length; s++)
        {
            if (slots[s] is not null) continue;
            while (queue.Reader.TryRead(out var job))
            {
                if (job.Cancellation.IsCancellationRequested)
                {
                    Interlocked.Decrement(ref admitted);
                    Metrics.Cancelled(0, 0);
                    job.Cancel();
                    continue;
                }
                try
                {
                    job.Sampler = TokenSampler.Create(model, job.Plan.Sampling);
                }
                catch (Exception e)
                {
                    Interlocked.Decrement(ref admitted);
                    Metrics.Failed();
                    job.Fail(e);
                    continue;
                }
                job.Sequence = s;
                job.MarkPromptStarted();
                slots[s] = job;
                Interlocked.Increment(ref active);
                break;
            }
        }
    }

    /// <summary>One decode over all active sequences. False when there was nothing to do.</summary>
    bool Step()
    {
        batch.Clear();
        var room = context.BatchSize;
        // Generating sequences first: one token each keeps every stream moving.
        for (var s = 0; s < slots.Length; s++)
        {
            if (slots[s] is not { PromptDone: true } job) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(s, job); continue; }
            if (job.Position >= context.SequenceContextSize) SlideWindow(job);
            job.BatchIndex = batch.Add(job.LastToken, job.Position++, s, wantLogits: true);
            room--;
        }
        // Then prompts, as much as fits; a long prompt continues in the next step.
        for (var s = 0; s < slots.Length && room > 0; s++)
        {
            if (slots[s] is not { PromptDone: false } job) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(s, job); continue; }
            var prompt = job.Plan.PromptTokens;
            var take = Math.Min(room, prompt.Length - job.PromptCursor);
            for (var i = 0; i < take; i++)
            {
                var last = job.PromptCursor + 1 == prompt.Length;
                var index = batch.Add(prompt[job.PromptCursor++], job.Position++, s, wantLogits: last);
                if (last) job.BatchIndex = index;
            }
            room -= take;
        }
        if (batch.Count == 0) return slots.Any(j => j is not null);

        try
        {
            context.Decode(batch);
            Metrics.DecodeStep();
        }
        catch (LlamaException e)
        {
            logger.LogError(e, "Decode failed; failing the {Count} requests in the batch", slots.Count(j => j is not null));
            for (var s = 0; s < slots.Length; s++) if (slots[s] is { } job) Fail(s, job, e);
            return true;
        }

        for (var s = 0; s < slots.Length; s++)
        {
            if (slots[s] is not { BatchIndex: >= 0 } job) continue;
            var index = job.BatchIndex;
            job.BatchIndex = -1;
            if (!job.PromptDone) continue; // logits only come with the prompt's last token
            var next = job.Sampler!.Sample(context, index);
            job.OnTokenSampled();
            Accept(s, job, next);
        }
        return true;
    }

    void Accept(int slot, GenerationJob job, int token)
    {
        if (model.IsEndOfGeneration(token))
        {
            job.Emit(job.Output.Complete());
            Succeed(slot, job, job.Output.FinishReason ?? FinishReasons.Eos);
            return;
        }
        job.CompletionTokens++;
        job.LastToken = token;
        job.Emit(job.Output.Push(model.TokenBytes(token)));
        if (job.Output.FinishReason is { } reason)
        {
            Succeed(slot, job, reason);
        }
        else if (job.CompletionTokens >= job.Plan.MaxTokens || (job.Position >= context.SequenceContextSize && !context.CanShift))
        {
            job.Emit(job.Output.Complete());
            Succeed(slot, job, job.Output.FinishReason ?? FinishReasons.Length);
        }
    }

    /// <summary>
    /// A full sequence forgets the older half of what follows the start of its prompt, as llama-server's
    /// context shift does: only reached when characters took more tokens than the request planned for.
    /// </summary>
    void SlideWindow(GenerationJob job)
    {
        var keep = Math.Min(job.Plan.PromptTokens.Length, context.SequenceContextSize / 4);
        var discard = (job.Position - keep) / 2;
        job.Position = context.ShiftSequence(job.Sequence, job.Position, keep, discard);
    }

    void Succeed(int slot, GenerationJob job, string reason)
    {
        Release(slot, job);
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

    void Cancel(int slot, GenerationJob job)
    {
        Release(slot, job);
        Metrics.Cancelled(job.PromptCursor, job.CompletionTokens);
        job.Cancel();
    }

    void Fail(int slot, GenerationJob job, Exception error)
    {
        Release(slot, job);
        Metrics.Failed();
        job.Fail(error);
    }

    /// <summary>Frees the sequence: its KV cells, its sampler and its place in the count.</summary>
    void Release(int slot, GenerationJob job)
    {
        slots[slot] = null;
        context.ClearSequence(slot);
        job.Sampler?.Dispose();
        job.Sampler = null;
        Interlocked.Decrement(ref active);
        Interlocked.Decrement(ref admitted);
    }

    public void Dispose()
    {
        stopping.Cancel();
        thread.Join();
        batch.Dispose();
        context.Dispose();
        stopping.Dispose();
    }
}
