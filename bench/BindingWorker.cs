using CustomGpt.LlamaCpp;

namespace CustomGpt.Bench;

/// <summary>
/// The project's binding as one side of `--llamasharp`: the bench started again as a process of its
/// own, running DirectLoop on the context LLamaSharp's side gets (one sequence, 2,048 tokens, weights
/// read, flash attention off) with ModelApi's thread pool (polling 50, THREAD_POLL's default).
/// </summary>
static class BindingWorker
{
    public const string Flag = "--llamasharp-worker";

    public static void Run(string modelPath, int threads)
    {
        LlamaBackend.EnsureInitialized();
        using var loop = new DirectLoop(modelPath, threads, sequences: 1, DirectLoop.LlamaBenchPolling);
        var promptTokens = loop.Tokenize(BenchModel.Prompt);
        SideBySideWorker.Serve(SideBySideWorker.Describe("project binding (LlamaCpp/)"), tokens =>
        {
            var generated = new List<int>(tokens);
            var (prompt, generation) = loop.Run(BenchModel.Prompt, tokens, generated);
            return new SideBySideRun(prompt, generation, promptTokens, [.. generated]);
        });
    }
}
