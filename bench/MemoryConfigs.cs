namespace CustomGpt.Bench;

/// <summary>
/// Where ModelApi's memory goes: the same model and workload under different loading and cache
/// settings, with peak resident memory, start time and speed for each (docs/performance.md "Memory").
/// </summary>
static class MemoryConfigs
{
    static readonly (string Name, (string, string)[] Env)[] Configs =
    [
        ("mmap, repack, f16 cache", [("MODEL_MMAP", "true"), ("MODEL_REPACK", "true"), ("KV_CACHE_TYPE", "f16")]),
        ("read, repack, f16 cache", [("MODEL_MMAP", "false"), ("MODEL_REPACK", "true"), ("KV_CACHE_TYPE", "f16")]),
        ("mmap, no repack, f16 cache", [("MODEL_MMAP", "true"), ("MODEL_REPACK", "false"), ("KV_CACHE_TYPE", "f16")]),
        ("read, repack, q8_0 cache", [("MODEL_MMAP", "false"), ("MODEL_REPACK", "true"), ("KV_CACHE_TYPE", "q8_0")]),
        ("read, repack, f16, context 1024", [("MODEL_MMAP", "false"), ("MODEL_REPACK", "true"), ("KV_CACHE_TYPE", "f16"), ("CONTEXT_SIZE", "1024")]),
    ];

    public static async Task RunAsync(string modelPath, int threads, int parallel, int tokens, int rounds)
    {
        Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1048576.0:F0} MiB), threads {threads}, PARALLEL {parallel}, {tokens} tokens per request");
        Console.WriteLine("| configuration | start to ready (ms) | peak RSS (MiB) | 1 stream tok/s (median) | 4 clients tok/s |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (name, env) in Configs)
        {
            using var served = new ServedLoop(modelPath, threads, parallel, env);
            await served.GenerateAsync(BenchModel.Prompt, 8, 0); // the first request after start
            var single = new List<double>();
            for (var i = 0; i < rounds; i++) single.Add((await served.GenerateAsync(BenchModel.Prompt, tokens, i)).Timings.TokensPerSecond);
            var four = await served.AggregateAsync(4, tokens);
            single.Sort();
            Console.WriteLine($"| {name} | {served.StartToReady.TotalMilliseconds:F0} | {served.PeakRssMb():F0} | {single[single.Count / 2]:F1} | {four:F1} |");
        }
    }
}
