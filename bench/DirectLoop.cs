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

    public DirectLoop(string modelPath, int threads, int sequences)
    {
        model = LlamaModel.Load(modelPath, new ModelLoadOptions { MapFile = false });
        context = LlamaContext.Create(model, new ContextOptions { SequenceContextSize = 2048, Sequences = sequences, Threads = threads, FlashAttention = FlashAttention.Off });
        batch = new TokenBatch(context.BatchSize);
        batch.Add(0, 0, 0, true); // warm-up, as ModelApi does at start
        context.Decode(batch);
        context.ClearSequence(0);
    }

    public (double PromptTokensPerSecond, double TokensPerSecond) Run(string prompt, int tokens)
    {
        using var sampler = TokenSampler.Create(model, new SamplingOptions { Seed = 1, Temperature = 0, IgnoreEos = true });
        var promptTokens = model.Tokenize(prompt);
        batch.Clear();
        for (var i = 0; i < promptTokens.Length; i++) batch.Add(promptTokens[i], i, 0, i == promptTokens.Length - 1);
        var start = Stopwatch.GetTimestamp();
        context.Decode(batch);
        var token = sampler.Sample(context, batch.Count - 1);
        var promptSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var genStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens - 1; i++)
        {
            batch.Clear();
            batch.Add(token, promptTokens.Length + i, 0, true);
            context.Decode(batch);
            token = sampler.Sample(context, 0);
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
