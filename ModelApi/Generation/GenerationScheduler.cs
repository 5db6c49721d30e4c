using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Continuous batching over one llama.cpp context. A single thread owns the context; every decode
/// step carries the next token of each active sequence, and prompts of newly admitted requests
/// fill the rest of the batch. Requests beyond the free lanes wait in a bounded queue.
/// Every accepted request ends with an answer: its text, a cancellation, or a failure — also when
/// the instance shuts down (<see cref="Drain"/>, <see cref="EndRunning"/>) and when this thread dies.
/// </summary>
public sealed partial class GenerationScheduler : IDisposable
{
    readonly LlamaModel model;
    readonly LlamaContext context;
    readonly TokenBatch batch;
    readonly GenerationJob?[] lanes;
    readonly LaneMemory[] memories;
    readonly long[] promptOrder; // the scheduler thread's scratch: admission numbers of the lanes with prompts left
    readonly bool promptCache;
    readonly bool flashAttention;
    readonly bool promptsInTiles; // see FlashAttentionTile
    readonly JobQueue queue = new();
    readonly CancellationTokenSource stopping = new();
    readonly Thread thread;
    readonly ILogger logger;
    readonly Action<Exception> onCrash;
    readonly int capacity;
    int admitted, active;
    long admissions;
    volatile Exception? endRunning;
    volatile bool stopped;

    /// <param name="onCrash">Called once, on the scheduler thread, if it ever dies of an unexpected error.</param>
    /// <param name="promptCache">Keep each lane's tokens after its job and reuse the longest shared prefix (<see cref="LaneMemory"/>).</param>
    public GenerationScheduler(LlamaModel model, ContextOptions options, int maxQueue, ILogger logger, Action<Exception>? onCrash = null, bool promptCache = true)
    {
        this.promptCache = promptCache;
        flashAttention = options.FlashAttention != FlashAttention.Off; // auto: llama.cpp turns it on on the CPU
        Metrics = new GenerationMetrics();
        this.model = model;
        this.logger = logger;
        this.onCrash = onCrash ?? (_ => { });
        context = LlamaContext.Create(model, options);
        try
        {
            batch = new TokenBatch(context.BatchSize);
            lanes = new GenerationJob?[context.MaxSequences];
            memories = [.. Enumerable.Range(0, lanes.Length).Select(_ => new LaneMemory())];
            promptOrder = new long[lanes.Length];
            // One token per generating lane must always fit in a decode step.
            if (lanes.Length > context.BatchSize)
                throw new ArgumentException($"{lanes.Length} parallel sequences need a batch of at least {lanes.Length} tokens (got {context.BatchSize}).", nameof(options));
            capacity = lanes.Length + maxQueue;
            // A prompt in tiles needs room for two tiles beside every other lane's token, or it could wait for ever.
            promptsInTiles = flashAttention && context.BatchSize >= 2 * FlashAttentionTile + lanes.Length;
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
    /// <summary>Positions each lane holds (CONTEXT_SIZE as llama.cpp rounded it; /health's context_length).</summary>
    public int ContextSize => context.SequenceContextSize;
    /// <summary>Whether a text may outgrow <see cref="ContextSize"/> (its window moves on).</summary>
    public bool CanShift => context.CanShift;
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
        CancelWaiting(job);
    }

    /// <summary>At shutdown: accept nothing more, and answer every waiting request with <paramref name="reason"/> now.</summary>
    public void Drain(Exception reason)
    {
        foreach (var job in queue.Close()) FailWaiting(job, reason);
    }

    // A job that holds no lane (or no longer does) ends: its place in the count goes back with its answer.
    void CancelWaiting(GenerationJob job)
    {
        Interlocked.Decrement(ref admitted);
        Metrics.Cancelled(0, 0);
        job.Cancel();
    }

    void FailWaiting(GenerationJob job, Exception error)
    {
        Interlocked.Decrement(ref admitted);
        Metrics.Failed();
        job.Fail(error);
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
            FailWaiting(job, error);
        }
    }

    /// <summary>False once the scheduler thread has ended (crash or dispose): nothing will be generated.</summary>
    public bool IsRunning => !stopped;

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
