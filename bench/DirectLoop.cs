using System.Diagnostics;
using CustomGpt.LlamaCpp;

namespace CustomGpt.Bench;

/// <summary>The generation loop straight on the binding: what llama.cpp gives with no HTTP and no scheduler.</summary>
static class DirectLoop
{
    public static (double PromptTokensPerSecond, double TokensPerSecond) Run(string modelPath, string prompt, int tokens, int threads)
    {
        using var model = LlamaModel.Load(modelPath);
        using var context = LlamaContext.Create(model, new ContextOptions { SequenceContextSize = 2048, Sequences = 1, Threads = threads });
        using var batch = new TokenBatch(context.BatchSize);
        using var sampler = TokenSampler.Create(model, new SamplingOptions { Seed = 1, Temperature = 0, IgnoreEos = true });
        var promptTokens = model.Tokenize(prompt);

        // Warm-up, as ModelApi does at start.
        batch.Add(promptTokens[0], 0, 0, true);
        context.Decode(batch);
        context.ClearSequence(0);

        batch.Clear();
        for (var i = 0; i < promptTokens.Length; i++) batch.Add(promptTokens[i], i, 0, i == promptTokens.Length - 1);
        var start = Stopwatch.GetTimestamp();
        context.Decode(batch);
        var promptSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var token = sampler.Sample(context, batch.Count - 1);
        var genStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens - 1; i++)
        {
            batch.Clear();
            batch.Add(token, promptTokens.Length + i, 0, true);
            context.Decode(batch);
            token = sampler.Sample(context, 0);
        }
        var genSeconds = Stopwatch.GetElapsedTime(genStart).TotalSeconds;
        return (promptTokens.Length / promptSeconds, (tokens - 1) / genSeconds);
    }
}
