using CustomGpt.Bench.Soak;

namespace CustomGpt.Bench;

/// <summary>The soak and fuzz runs against ModelApi with the repository's default model, one thread.</summary>
static class SoakAndFuzz
{
    public static async Task RunAsync(bool soak, int minutes, int clients, int bodies, int seed)
    {
        using var served = new ServedLoop(CustomGpt.ModelApi.Hosting.ModelApiSettings.DefaultModelPath(), threads: 1, parallel: 4);
        if (soak)
        {
            Console.WriteLine($"soak: {minutes} min, {clients} clients, default model, PARALLEL 4, 1 thread");
            using var done = new CancellationTokenSource();
            var memory = MemoryEveryMinuteAsync(served, done.Token);
            // Memory is first read after a fifth of the run: the allocators and the GC reach their working size by then (the series shows it).
            var r = await new SoakRun(served.Http, served.ResidentBytes, clients, seed).RunAsync(TimeSpan.FromMinutes(minutes), TimeSpan.FromMinutes(minutes / 5.0));
            await done.CancelAsync();
            await memory;
            Console.WriteLine($"requests                     : {r.Requests} ({r.Disconnects} streams left early on purpose)");
            Console.WriteLine($"by status                    : {string.Join(", ", r.ByStatus.Select(s => $"{s.Key}: {s.Value}"))}");
            Console.WriteLine($"5xx / dropped connections    : {r.ServerErrors} / {r.DroppedConnections}");
            Console.WriteLine($"latency p50 / p99            : {r.P50Ms:F0} ms / {r.P99Ms:F0} ms");
            Console.WriteLine($"resident memory, mean of the first / last quarter after warm-up: {r.ResidentStartBytes / 1048576.0:F1} MB / {r.ResidentEndBytes / 1048576.0:F1} MB ({r.ResidentDriftPercent:+0.0;-0.0} %)");
        }
        else
        {
            Console.WriteLine($"fuzz: {bodies} bodies per route, seed {seed}");
            var r = await FuzzRun.RunAsync(served.Http, bodies, seed);
            Console.WriteLine($"sent                         : {r.Sent}");
            Console.WriteLine($"by status                    : {string.Join(", ", r.ByStatus.Select(s => $"{s.Key}: {s.Value}"))}");
            foreach (var f in r.Findings.Take(20)) Console.WriteLine($"finding: {f.Route} body #{f.Index} (seed {seed}): {f.What}");
        }
        using var health = await served.Http.GetAsync("/health");
        Console.WriteLine($"process survived / health    : {(!served.HasExited ? "yes" : "NO")} / {(int)health.StatusCode}");
    }

    /// <summary>A line a minute: whether memory levels off or keeps climbing shows in the series, not in two points.</summary>
    static async Task MemoryEveryMinuteAsync(ServedLoop served, CancellationToken ct)
    {
        var minute = 0;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMinutes(1), ct);
                // The exporter labels each series with its meter (otel_scope_*): found by name, whatever its labels.
                var scrape = Tests.Shared.Metrics.Parse(await served.Http.GetStringAsync("/metrics", ct));
                double Mb(string name) => scrape.Samples.Single(s => s.Name == name).Value / 1048576.0;
                Console.WriteLine($"minute {++minute,2}: resident {served.ResidentBytes() / 1048576.0:F1} MB, .NET heap {Mb("dotnet_gc_heap_bytes"):F1} MB, GC committed {Mb("dotnet_gc_committed_bytes"):F1} MB");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
