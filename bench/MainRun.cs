using CustomGpt.LlamaCpp;
using static CustomGpt.Bench.Statistics;

namespace CustomGpt.Bench;

/// <summary>
/// The bench without a mode: llama.cpp through our binding (the loop llama-bench runs) and ModelApi over HTTP on the
/// same model, alternated; single-stream overhead, TTFT, aggregate throughput and peak memory (docs/performance.md).
/// </summary>
static class MainRun
{
    /// <param name="env">Extra environment for the ModelApi process, to compare settings.</param>
    public static async Task RunAsync(string modelPath, int threads, int parallel, int tokens, int rounds, (string Key, string Value)[] env)
    {
        const string prompt = BenchModel.Prompt;
        LlamaBackend.EnsureInitialized();
        Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1e6:F0} MB), threads {threads}, {tokens} tokens per request, ModelApi PARALLEL {parallel}");
        if (env.Length > 0) Console.WriteLine($"ModelApi environment: {string.Join(" ", env.Select(e => e.Key + "=" + e.Value))}");
        // No prompt cache: every run repeats the prompt, and the binding decodes all of it each time too.
        using var served = new ServedLoop(modelPath, threads, parallel, [("PROMPT_CACHE", "false"), .. env]);
        Console.WriteLine($"ModelApi start to /health ok      : {served.StartToReady.TotalMilliseconds,7:F0} ms");
        // llama-bench's loop: the compute threads kept in a pool that polls at its default level.
        using var direct = new DirectLoop(modelPath, threads, parallel, DirectLoop.LlamaBenchPolling);
        // The first request after start, JSON and streamed: the first use of each path pays for compiling it.
        await served.GenerateAsync(prompt, 8, 0);
        await served.StreamAsync(prompt, 8, 0);

        // Alternate direct, JSON and streamed runs so background load on the machine hits all alike;
        // each served run is compared with the direct run just before it, and the distribution is printed.
        var directRuns = new List<(double Prompt, double Gen)>();
        var servedRuns = new List<GenerateResponse>();
        var streamedRuns = new List<Timings>();
        for (var i = 0; i < rounds; i++)
        {
            directRuns.Add(direct.Run(prompt, tokens));
            await DirectLoop.LetThreadsSettle();
            servedRuns.Add(await served.GenerateAsync(prompt, tokens, i));
            streamedRuns.Add(await served.StreamAsync(prompt, tokens, i));
            await DirectLoop.LetThreadsSettle();
        }
        var directGen = Median(directRuns.Select(r => r.Gen));
        var servedGen = Median(servedRuns.Select(r => r.Timings.TokensPerSecond));
        Console.WriteLine($"binding, no HTTP: prompt tok/s    : {Median(directRuns.Select(r => r.Prompt)),7:F1}   generation tok/s {directGen,6:F1}");
        Console.WriteLine($"ModelApi 1 stream: prompt tok/s   : {Median(servedRuns.Select(r => r.Timings.PromptTokensPerSecond)),7:F1}   generation tok/s {servedGen,6:F1} (JSON), {Median(streamedRuns.Select(t => t.TokensPerSecond)),6:F1} (SSE)");
        Console.WriteLine($"ModelApi TTFT, {servedRuns[0].Usage.PromptTokens}-token prompt       : {Median(servedRuns.Select(r => r.Timings.TtftMs)),7:F0} ms");
        Console.WriteLine($"ModelApi overhead, single stream  : {(1 - servedGen / directGen) * 100,7:F1} % (median of {rounds} alternating runs)");
        PrintRatios("JSON / binding", servedRuns.Select(r => r.Timings.TokensPerSecond));
        PrintRatios("SSE  / binding", streamedRuns.Select(t => t.TokensPerSecond));
        foreach (var clients in new[] { 1, 4, 8 })
        {
            var aggregate = await served.AggregateAsync(clients, tokens);
            Console.WriteLine($"ModelApi {clients} client{(clients == 1 ? "," : "s,")} aggregate tok/s : {aggregate,7:F1}   (wall clock, {clients} x {tokens} tokens)");
        }
        Console.WriteLine($"ModelApi peak RSS                 : {served.PeakRssMb(),7:F0} MB");

        void PrintRatios(string what, IEnumerable<double> runs)
        {
            var ratios = runs.Zip(directRuns, (s, d) => s / d.Gen).ToList();
            Console.WriteLine($"{what} per run   : {string.Join(" ", ratios.Select(r => r.ToString("F2")))}   median {Median(ratios):F2}, lowest {ratios.Min():F2}");
        }
    }
}
