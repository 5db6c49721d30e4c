namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Requests waiting for a free lane, first come first served. A request cancelled while it waits is
/// taken out at once (<see cref="Remove"/>), so clients that give up never hold places in the queue.
/// Thread-safe: request threads add and remove, the scheduler thread takes.
/// </summary>
sealed class JobQueue
{
    readonly LinkedList<GenerationJob> waiting = [];
    readonly ManualResetEventSlim work = new();
    bool closed;

    public int Count { get { lock (waiting) return waiting.Count; } }

    /// <summary>False once <see cref="Close"/> has been called.</summary>
    public bool TryAdd(GenerationJob job)
    {
        lock (waiting)
        {
            if (closed) return false;
            job.QueueEntry = waiting.AddLast(job);
        }
        work.Set();
        return true;
    }

    /// <summary>True when the job was still waiting and is now out of the queue.</summary>
    public bool Remove(GenerationJob job)
    {
        lock (waiting)
        {
            if (job.QueueEntry?.List != waiting) return false;
            waiting.Remove(job.QueueEntry);
            job.QueueEntry = null;
            return true;
        }
    }

    public GenerationJob? TryTake()
    {
        lock (waiting)
        {
            if (waiting.First is not { } first) return null;
            waiting.RemoveFirst();
            first.Value.QueueEntry = null;
            return first.Value;
        }
    }

    /// <summary>Takes no more jobs and hands back the ones still waiting.</summary>
    public List<GenerationJob> Close()
    {
        lock (waiting)
        {
            closed = true;
            var left = waiting.ToList();
            waiting.Clear();
            foreach (var job in left) job.QueueEntry = null;
            work.Set();
            return left;
        }
    }

    /// <summary>The scheduler calls this before it looks for work, then <see cref="WaitForWork"/> when it found none.</summary>
    public void ExpectWork() => work.Reset();

    /// <summary>Wakes the scheduler: a job arrived, or something else asks it to look (<see cref="Wake"/>).</summary>
    public void Wake() => work.Set();

    public void WaitForWork(CancellationToken ct) => work.Wait(ct);
}
