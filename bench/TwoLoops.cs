using CustomGpt.LlamaCpp;

namespace CustomGpt.Bench;

/// <summary>
/// Two direct loops in one process, each with its own copy of the model, alternated A-B, B-A: what a
/// thread-polling setting is worth, and how far two identical loops differ (the floor under any ratio).
/// </summary>
static class TwoLoops
{
    public static void Run(string modelPath, int threads, int sequences, int tokens, int rounds, int pollA, int pollB)
    {
        LlamaBackend.EnsureInitialized();
        static int? Polling(int poll) => poll < 0 ? null : poll;
        static string Name(int poll) => poll < 0 ? "threads per decode" : $"pool, polling {poll}";
        using var a = new DirectLoop(modelPath, threads, sequences, Polling(pollA));
        using var b = new DirectLoop(modelPath, threads, sequences, Polling(pollB));
        Console.WriteLine($"A: {Name(pollA)}; B: {Name(pollB)}; {threads} threads, {tokens} tokens, {rounds} rounds");
        a.Run(BenchModel.Prompt, 8);
        b.Run(BenchModel.Prompt, 8);
        var runsA = new List<(double Prompt, double Gen)>();
        var runsB = new List<(double Prompt, double Gen)>();
        for (var i = 0; i < rounds; i++)
        {
            // A then B in even rounds, B then A in odd ones: whatever favours the first or the second cancels out.
            foreach (var (loop, runs) in i % 2 == 0 ? new[] { (a, runsA), (b, runsB) } : [(b, runsB), (a, runsA)])
            {
                DirectLoop.LetThreadsSettle().Wait();
                runs.Add(loop.Run(BenchModel.Prompt, tokens));
            }
        }
        Console.WriteLine($"A generation tok/s : {string.Join(" ", runsA.Select(r => r.Gen.ToString("F1")))}");
        Console.WriteLine($"B generation tok/s : {string.Join(" ", runsB.Select(r => r.Gen.ToString("F1")))}");
        var ratios = runsB.Zip(runsA, (y, x) => y.Gen / x.Gen).ToList();
        Console.WriteLine($"B / A per round    : {string.Join(" ", ratios.Select(r => r.ToString("F2")))}   median {Statistics.Median(ratios):F2}");
        Console.WriteLine($"prompt tok/s A / B : {Statistics.Median(runsA.Select(r => r.Prompt)):F1} / {Statistics.Median(runsB.Select(r => r.Prompt)):F1} (medians)");
    }
}
