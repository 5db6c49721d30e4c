namespace CustomGpt.Bench;

/// <summary>Threads that keep cores busy until disposed: other work on the machine, the same for every engine measured meanwhile.</summary>
sealed class BusyThreads : IDisposable
{
    readonly CancellationTokenSource stop = new();
    readonly List<Thread> threads;

    public BusyThreads(int count)
    {
        threads = [.. Enumerable.Range(0, count).Select(_ => new Thread(() => Spin(stop.Token)) { IsBackground = true })];
        threads.ForEach(t => t.Start());
    }

    static void Spin(CancellationToken token)
    {
        var x = 1.0;
        while (!token.IsCancellationRequested) x = x * 1.0000001 + 1e-9;
        GC.KeepAlive(x);
    }

    public void Dispose()
    {
        if (stop.IsCancellationRequested) return;
        stop.Cancel();
        threads.ForEach(t => t.Join());
        stop.Dispose();
    }
}
