using System.Text;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// Generates text from a model the way ModelApi does by default: the prompt tokenized with special
/// tokens, an empty prompt is BOS alone, and the same sampler chain with the API's defaults (<see cref="GenerationLimits"/>).
/// </summary>
public static class SampleGenerator
{
    public static string Generate(LlamaModel model, string prompt, int characters, uint seed, float temperature = (float)GenerationLimits.DefaultTemperature, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(characters, 1);
        var contextLength = model.TrainedContextLength;
        var tokens = model.Tokenize(prompt, addSpecial: true);
        if (tokens.Length == 0) tokens = [model.BosToken >= 0 ? model.BosToken : 0];
        if (tokens.Length + characters > contextLength)
            throw new ArgumentOutOfRangeException(nameof(characters), $"The prompt ({tokens.Length} tokens) plus {characters} characters exceeds the context of {contextLength}.");

        using var context = LlamaContext.Create(model, new ContextOptions
        {
            SequenceContextSize = contextLength,
            Threads = threads > 0 ? threads : Environment.ProcessorCount,
            BatchSize = Math.Max(tokens.Length, 1),
        });
        using var sampler = TokenSampler.Create(model, new SamplingOptions
        {
            Seed = seed,
            Temperature = temperature,
            TopK = GenerationLimits.DefaultTopK,
            TopP = (float)GenerationLimits.DefaultTopP,
            MinP = (float)GenerationLimits.DefaultMinP,
            RepeatPenalty = (float)GenerationLimits.DefaultRepeatPenalty,
        });
        using var batch = new TokenBatch(Math.Max(tokens.Length, 1));
        for (var i = 0; i < tokens.Length; i++) batch.Add(tokens[i], i, 0, i == tokens.Length - 1);
        context.Decode(batch);
        var last = batch.Count - 1;

        var decoder = new Utf8TextDecoder();
        var text = new StringBuilder();
        var position = tokens.Length;
        var produced = 0;
        while (produced < characters && position < context.SequenceContextSize)
        {
            var token = sampler.Sample(context, last);
            if (model.IsEndOfGeneration(token)) break;
            var piece = decoder.Push(model.TokenBytes(token));
            text.Append(piece);
            produced += piece.EnumerateRunes().Count();
            batch.Clear();
            last = batch.Add(token, position++, 0, true);
            context.Decode(batch);
        }
        return text.Append(decoder.Flush()).ToString();
    }
}
