using System.Diagnostics;
using CustomGpt.LlamaCpp;

namespace CustomGpt.Bench;

/// <summary>The generation loop straight on the binding: what llama.cpp gives with no HTTP and no scheduler,
/// on a context shaped like ModelApi's (the same number of sequences, each with its own part of the cache).</summary>
sealed class DirectLoop : IDisposable
{
    readonly LlamaModel model;
    readonly LlamaContext context;
    readonly TokenBatch batch;

    /// <summary>How hard llama-bench's and llama-cli's kept compute threads poll for work (ggml's default).</summary>
    public const int LlamaBenchPolling = 50;

    /// <summary>
    /// Idle pool workers spin up to ~0.12 s after a decode at polling 50: a pause between runs keeps that out
    /// of the next run, which may be in the other process.
    /// </summary>
    public static Task LetThreadsSettle() => Task.Delay(300);

    /// <param name="threadPolling">Null: no pool of its own, ggml starts its threads for every decode.</param>
    public DirectLoop(string modelPath, int threads, int sequences, int? threadPolling)
    {
        model = LlamaModel.Load(modelPath, new ModelLoadOptions { MapFile = false });
        context = LlamaContext.Create(model, new ContextOptions { SequenceContextSize = 2048, Sequences = sequences, Threads = threads, FlashAttention = FlashAttention.Off, ThreadPolling = threadPolling });
        batch = new TokenBatch(context.BatchSize);
        batch.Add(0, 0, 0, true); // warm-up, as ModelApi does at start
        context.Decode(batch);
        context.ClearSequence(0);
    }

    /// <summary>The prompt as this loop's model tokenizes it.</summary>
    public int[] Tokenize(string prompt) => model.Tokenize(prompt);

    /// <param name="generated">If given, receives the tokens drawn (for comparing engines' output).</param>
    public (double PromptTokensPerSecond, double TokensPerSecond) Run(string prompt, int tokens, List<int>? generated = null)
    {
        using var sampler = TokenSampler.Create(model, new SamplingOptions { Seed = 1, Temperature = 0, IgnoreEos = true });
        var promptTokens = model.Tokenize(prompt);
        batch.Clear();
        for (var i = 0; i < promptTokens.Length; i++) batch.Add(promptTokens[i], i, 0, i == promptTokens.Length - 1);
        var start = Stopwatch.GetTimestamp();
        context.Decode(batch);
        var token = sampler.Sample(context, batch.Count - 1);
        var promptSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        generated?.Add(token);

        var genStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens - 1; i++)
        {
            batch.Clear();
            batch.Add(token, promptTokens.Length + i, 0, true);
            context.Decode(batch);
            token = sampler.Sample(context, 0);
            generated?.Add(token);
        }
        var genSeconds = Stopwatch.GetElapsedTime(genStart).TotalSeconds;
        context.ClearSequence(0);
        return (promptTokens.Length / promptSeconds, (tokens - 1) / genSeconds);
    }

    public void Dispose()
    {
        batch.Dispose();
        context.Dispose();
        model.Dispose();
    }
}
