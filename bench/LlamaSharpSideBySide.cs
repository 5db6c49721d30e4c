using System.Globalization;
using System.Reflection;
using static CustomGpt.Bench.Statistics;

namespace CustomGpt.Bench;

/// <summary>
/// `--llamasharp`: the project's binding (A) and LLamaSharp (B) on the same model, threads, prompt and
/// greedy sampling, each in a process of its own (two llama.cpp builds must not share one), alternated
/// A-B, B-A so whatever favours the first or the second run of a round cancels out. Prints both
/// engines' prompt and generation speed (median, min, max), B / A per round, whether both drew the same
/// tokens, what each loaded, and how busy the rest of the machine was meanwhile (docs/llamasharp.md).
/// </summary>
static class LlamaSharpSideBySide
{
    /// <param name="busy">Threads of this process that spin through the rounds: a machine busy with other work, alike for both.</param>
    public static void Run(string modelPath, int threads, int tokens, int rounds, int busy)
    {
        var llamaSharpDll = typeof(LlamaSharpSideBySide).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LlamaSharpRun").Value!;
        if (!File.Exists(llamaSharpDll)) throw new FileNotFoundException($"{llamaSharpDll} is missing: build the bench in this configuration (dotnet run -c Release --project bench builds both).");
        Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1048576.0:F0} MiB), {threads} threads, greedy, {tokens} tokens, {rounds} rounds A-B / B-A, {Environment.ProcessorCount} cores{(busy > 0 ? $", {busy} busy thread(s) of other work" : "")}");
        Console.WriteLine($"load average before: {MachineCpu.LoadAverage()}");
        var machineBefore = MachineCpu.Read();
        using var a = new EngineProcess(typeof(LlamaSharpSideBySide).Assembly.Location, BindingWorker.Flag, "--model", modelPath, "--threads", Invariant(threads));
        using var b = new EngineProcess(llamaSharpDll, modelPath, Invariant(threads), BenchModel.Prompt);
        foreach (var engine in new[] { a, b }) Describe(engine.Info);

        a.Run(8); // the first run of each pays for compiling its loop
        b.Run(8);
        var runsA = new List<SideBySideRun>();
        var runsB = new List<SideBySideRun>();
        var ours = a.CpuTime + b.CpuTime;
        var machine = MachineCpu.Read();
        using var load = new BusyThreads(busy);
        for (var i = 0; i < rounds; i++)
        {
            foreach (var (engine, runs) in i % 2 == 0 ? new[] { (a, runsA), (b, runsB) } : [(b, runsB), (a, runsA)])
            {
                DirectLoop.LetThreadsSettle().Wait(); // one engine's idle threads spin for a while after a run
                runs.Add(engine.Run(tokens));
            }
        }
        load.Dispose();
        var machineAfter = MachineCpu.Read();
        var othersShare = machine.OthersShare(machineAfter, a.CpuTime + b.CpuTime - ours);

        Console.WriteLine();
        Console.WriteLine($"A generation tok/s : {string.Join(" ", runsA.Select(r => r.TokensPerSecond.ToString("F1", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"B generation tok/s : {string.Join(" ", runsB.Select(r => r.TokensPerSecond.ToString("F1", CultureInfo.InvariantCulture)))}");
        var ratios = runsB.Zip(runsA, (y, x) => y.TokensPerSecond / x.TokensPerSecond).ToList();
        Console.WriteLine($"B / A per round    : {string.Join(" ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}   median {Median(ratios):F2}");
        Console.WriteLine();
        Console.WriteLine($"| engine ({threads} threads, {runsA[0].PromptTokens.Length}-token prompt, {tokens} tokens) | prompt tok/s median (min–max) | generation tok/s median (min–max) |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (engine, runs) in new[] { (a, runsA), (b, runsB) })
            Console.WriteLine($"| {engine.Info.Engine} | {Spread(runs.Select(r => r.PromptTokensPerSecond))} | {Spread(runs.Select(r => r.TokensPerSecond))} |");
        Console.WriteLine($"| LLamaSharp / binding | {Median(runsB.Select(r => r.PromptTokensPerSecond)) / Median(runsA.Select(r => r.PromptTokensPerSecond)):F2} | {Median(runsB.Select(r => r.TokensPerSecond)) / Median(runsA.Select(r => r.TokensPerSecond)):F2} (per round: median {Median(ratios):F2}, {ratios.Min():F2}–{ratios.Max():F2}) |");
        Console.WriteLine();
        Console.WriteLine(SameTokens(runsA, runsB));
        Console.WriteLine($"load average after: {MachineCpu.LoadAverage()}; {(busy > 0 ? "the busy threads and " : "")}other processes used {othersShare * 100:F0} % of the machine's CPU time during the {rounds} rounds");
    }

    static void Describe(EngineInfo info)
    {
        Console.WriteLine($"{info.Engine}: ggml {info.GgmlVersion} (commit {info.GgmlCommit})");
        Console.WriteLine($"  loaded: {string.Join(", ", info.Libraries.Select(l => Path.GetFileName(Path.GetDirectoryName(l)) + "/" + Path.GetFileName(l)))}");
        Console.WriteLine($"  {info.SystemInfo}");
    }

    /// <summary>Whether both engines read the same prompt tokens and drew the same greedy tokens in every run; if not, where they part.</summary>
    static string SameTokens(List<SideBySideRun> runsA, List<SideBySideRun> runsB)
    {
        if (!runsA[0].PromptTokens.SequenceEqual(runsB[0].PromptTokens))
            return $"prompt tokens differ: binding {runsA[0].PromptTokens.Length}, LLamaSharp {runsB[0].PromptTokens.Length}, first difference at {FirstDifference(runsA[0].PromptTokens, runsB[0].PromptTokens)}";
        var reference = runsA[0].Tokens;
        var differing = runsA.Concat(runsB).Select((r, i) => (Run: i, At: FirstDifference(reference, r.Tokens))).Where(d => d.At >= 0).ToList();
        if (differing.Count == 0)
            return $"same tokens: both engines read the same {runsA[0].PromptTokens.Length} prompt tokens and drew the same {reference.Length} greedy tokens in all {runsA.Count + runsB.Count} runs";
        return $"tokens differ from the binding's first run in {differing.Count} of {runsA.Count + runsB.Count} runs: "
            + string.Join("; ", differing.Select(d => $"{(d.Run < runsA.Count ? "binding" : "LLamaSharp")} run {d.Run % runsA.Count + 1} from token {d.At}"));
    }

    static int FirstDifference(int[] x, int[] y)
    {
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++) if (x[i] != y[i]) return i;
        return x.Length == y.Length ? -1 : Math.Min(x.Length, y.Length);
    }

    static string Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{Median(list):F1} ({list.Min():F1}–{list.Max():F1})";
    }

    static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
