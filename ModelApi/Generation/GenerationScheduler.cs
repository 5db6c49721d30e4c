using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Continuous batching over one llama.cpp context. A single thread owns the context; every decode
/// step carries the next token of each active sequence, and prompts of newly admitted requests
/// fill the rest of the batch. Requests beyond the free lanes wait in a bounded queue.
/// Every accepted request ends with an answer: its text, a cancellation, or a failure — also when
/// the instance shuts down (<see cref="Drain"/>, <see cref="EndRunning"/>) and when this thread dies.
/// </summary>
public sealed class GenerationScheduler : IDisposable
{
    readonly LlamaModel model;
    readonly LlamaContext context;
    readonly TokenBatch batch;
    readonly GenerationJob?[] lanes;
    readonly JobQueue queue = new();
    readonly CancellationTokenSource stopping = new();
    readonly Thread thread;
    readonly ILogger logger;
    readonly Action<Exception> onCrash;
    readonly int capacity;
    int admitted, active;
    volatile Exception? endRunning;
    volatile bool stopped;

    /// <param name="onCrash">Called once, on the scheduler thread, if it ever dies of an unexpected error.</param>
    public GenerationScheduler(LlamaModel model, ContextOptions options, int maxQueue, ILogger logger, Action<Exception>? onCrash = null)
    {
        Metrics = new GenerationMetrics();
        this.model = model;
        this.logger = logger;
        this.onCrash = onCrash ?? (_ => { });
        context = LlamaContext.Create(model, options);
        try
        {
            batch = new TokenBatch(context.BatchSize);
            lanes = new GenerationJob?[context.MaxSequences];
            // One token per generating lane must always fit in a decode step.
            if (lanes.Length > context.BatchSize)
                throw new ArgumentException($"{lanes.Length} parallel sequences need a batch of at least {lanes.Length} tokens (got {context.BatchSize}).", nameof(options));
            capacity = lanes.Length + maxQueue;
            WarmUp();
        }
        catch
        {
            batch?.Dispose();
            context.Dispose();
            throw;
        }
        thread = new Thread(Run) { IsBackground = true, Name = "generation-scheduler" };
        thread.Start();
    }

    /// <summary>Positions available to each request: prompt plus generated tokens.</summary>
    public int SequenceContextSize => context.SequenceContextSize;
    public int Parallel => lanes.Length;

    /// <summary>Requests running or waiting right now.</summary>
    public int Admitted => Volatile.Read(ref admitted);

    /// <summary>Requests decoding right now (the rest of <see cref="Admitted"/> wait in the queue).</summary>
    public int Active => Volatile.Read(ref active);

    public GenerationMetrics Metrics { get; }

    /// <summary>Test hook: runs on the scheduler thread before each step (to make it fail on purpose).</summary>
    internal Action? BeforeStep { get; set; }

    /// <summary>Queues a job; false when the queue is full or closed (the caller answers 503).</summary>
    public bool TryEnqueue(GenerationJob job)
    {
        if (Interlocked.Increment(ref admitted) > capacity)
        {
            Interlocked.Decrement(ref admitted);
            Metrics.Rejected();
            return false;
        }
        // Registered before the job is visible to the scheduler thread; a token cancelled already
        // runs Withdraw now, finds nothing to remove, and the scheduler drops the job when it meets it.
        job.WithdrawOnCancel = job.Cancellation.Register(() => Withdraw(job));
        if (!queue.TryAdd(job))
        {
            job.WithdrawOnCancel.Dispose();
            Interlocked.Decrement(ref admitted);
            return false;
        }
        return true;
    }

    /// <summary>A request cancelled while it waits gives its place back at once.</summary>
    void Withdraw(GenerationJob job)
    {
        if (!queue.Remove(job)) return; // already decoding: the scheduler cancels it at its next step
        Interlocked.Decrement(ref admitted);
        Metrics.Cancelled(0, 0);
        job.Cancel();
    }

    /// <summary>At shutdown: accept nothing more, and answer every waiting request with <paramref name="reason"/> now.</summary>
    public void Drain(Exception reason)
    {
        foreach (var job in queue.Close())
        {
            Interlocked.Decrement(ref admitted);
            Metrics.Failed();
            job.Fail(reason);
        }
    }

    /// <summary>At the end of the shutdown grace: the running requests end with <paramref name="reason"/>
    /// at the next step, so each gets a closing answer before its connection is cut.</summary>
    public void EndRunning(Exception reason)
    {
        endRunning = reason;
        queue.Wake();
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
        Exception? crash = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                queue.ExpectWork();
                BeforeStep?.Invoke();
                if (endRunning is { } reason) FailAll(reason);
                Admit();
                if (!Step()) queue.WaitForWork(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            crash = e;
            logger.LogCritical(e, "The generation scheduler stopped");
        }
        stopped = true;
        var error = crash is null ? GenerationUnavailableException.ShuttingDown() : GenerationUnavailableException.Stopped();
        Abandon(error);
        Drain(error);
        if (crash is not null) onCrash(crash);
    }

    /// <summary>Nobody may wait forever on a thread that is gone. No native call here: the context may be what failed.</summary>
    void Abandon(Exception error)
    {
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not { } job) continue;
            lanes[lane] = null;
            job.Sampler?.Dispose();
            Interlocked.Decrement(ref active);
            Interlocked.Decrement(ref admitted);
            Metrics.Failed();
            job.Fail(error);
        }
    }

    /// <summary>False once the scheduler thread has ended (crash or dispose): nothing will be generated.</summary>
    public bool IsRunning => !stopped;

    void FailAll(Exception reason)
    {
        for (var lane = 0; lane < lanes.Length; lane++) if (lanes[lane] is { } job) Fail(lane, job, reason);
    }

    void Admit()
    {
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            if (lanes[lane] is not null) continue;
            while (queue.TryTake() is { } job)
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
                job.Lane = lane;
                job.MarkPromptStarted();
                lanes[lane] = job;
                Interlocked.Increment(ref active);
                break;
            }
        }
    }

    /// <summary>One decode over all active lanes. False when there was nothing to do.</summary>
    bool Step()
    {
        batch.Clear();
        var room = context.BatchSize;
        // Generating lanes first: one token each keeps every stream moving (the constructor made sure they fit).
        for (var lane = 0; lane < lanes.Length && room > 0; lane++)
        {
            if (lanes[lane] is not { PromptDone: true } job) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(lane, job); continue; }
            try
            {
                if (job.Position >= context.SequenceContextSize) SlideWindow(job);
            }
            catch (LlamaException e)
            {
                Fail(lane, job, e);
                continue;
            }
            job.LogitsIndex = batch.Add(job.LastToken, job.Position++, lane, wantLogits: true);
            room--;
        }
        // Then prompts, as much as fits; a long prompt continues in the next step.
        for (var lane = 0; lane < lanes.Length && room > 0; lane++)
        {
            if (lanes[lane] is not { PromptDone: false } job) continue;
            if (job.Cancellation.IsCancellationRequested) { Cancel(lane, job); continue; }
            var prompt = job.Plan.PromptTokens;
            var take = Math.Min(room, prompt.Length - job.PromptCursor);
            for (var i = 0; i < take; i++)
            {
                var last = job.PromptCursor + 1 == prompt.Length;
                var index = batch.Add(prompt[job.PromptCursor++], job.Position++, lane, wantLogits: last);
                if (last) job.LogitsIndex = index;
            }
            room -= take;
        }
        if (batch.Count == 0) return lanes.Any(j => j is not null);

        try
        {
            context.Decode(batch);
            Metrics.DecodeStep();
        }
        catch (LlamaException e)
        {
            logger.LogError(e, "Decode failed; failing the {Count} requests in the batch", lanes.Count(j => j is not null));
            FailAll(e);
            return true;
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
    /// A full sequence forgets the older half of what follows the start of its prompt, as llama-server's
    /// context shift does: only reached when characters took more tokens than the request planned for.
    /// </summary>
    void SlideWindow(GenerationJob job)
    {
        var keep = Math.Min(job.Plan.PromptTokens.Length, context.SequenceContextSize / 4);
        var discard = (job.Position - keep) / 2;
        job.Position = context.ShiftSequence(job.Lane, job.Position, keep, discard);
    }

    void Succeed(int lane, GenerationJob job, string reason)
    {
        Release(lane, job);
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
        Release(lane, job);
        Metrics.Cancelled(job.PromptCursor, job.CompletionTokens);
        job.Cancel();
    }

    void Fail(int lane, GenerationJob job, Exception error)
    {
        Release(lane, job);
        Metrics.Failed();
        job.Fail(error);
    }

    /// <summary>Frees the lane: its KV cells, its sampler and its place in the count.</summary>
    void Release(int lane, GenerationJob job)
    {
        lanes[lane] = null;
        job.LogitsIndex = null;
        context.ClearSequence(lane);
        job.Sampler?.Dispose();
        job.Sampler = null;
        Interlocked.Decrement(ref active);
        Interlocked.Decrement(ref admitted);
    }

    public void Dispose()
    {
        stopping.Cancel();
        queue.Wake();
        thread.Join();
        batch.Dispose();
        context.Dispose();
        stopping.Dispose();
    }
}
