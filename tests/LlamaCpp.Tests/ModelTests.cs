using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.LlamaCpp.Tests;

public class ModelTests(TinyModel tiny) : IClassFixture<TinyModel>
{
    [Fact]
    public void A_written_model_loads_with_its_metadata()
    {
        var m = tiny.Model;
        Assert.Equal("mixed", m.Metadata("general.name"));
        Assert.Equal("llama", m.Metadata("general.architecture"));
        Assert.Null(m.Metadata("no.such.key"));
        Assert.Equal(Vocabulary.FromCharacters(TinyModel.Alphabet).Count, m.VocabSize);
        Assert.Equal(512, m.TrainedContextLength);
        Assert.Equal(64, m.EmbeddingLength);
        Assert.Equal(2, m.LayerCount);
        Assert.Equal("all F32", m.FileType);
        Assert.True(m.ParameterCount > 50_000);
    }

    [Theory]
    [InlineData("the quick brown fox")]
    [InlineData("THE END!\nfox")]
    [InlineData("日本語 🙂 çé")]
    public void Text_round_trips_through_the_character_vocabulary(string text)
    {
        var tokens = tiny.Model.Tokenize(text);
        Assert.Equal(text.EnumerateRunes().Count(), tokens.Length); // one token per character
        Assert.Equal(text, tiny.Model.Detokenize(tokens));
    }

    [Fact]
    public void Characters_outside_the_vocabulary_fall_back_to_bytes_and_still_round_trip()
    {
        const string text = "zß€"; // 'z' is in the alphabet; ß and € are not
        var tokens = tiny.Model.Tokenize(text);
        Assert.True(tokens.Length > 3);
        Assert.Equal(text, tiny.Model.Detokenize(tokens));
    }

    [Fact]
    public void Text_that_needs_more_tokens_than_bytes_is_tokenized_whole()
    {
        // The wide vocabulary has no ASCII and no "▁": every character falls back to byte tokens, and a space, escaped as
        // "▁" (three bytes), takes three; llama.cpp asks for more room than one token a byte. The escape comes back as "▁".
        using var wide = LlamaModel.Load(TestModels.Wide);
        const string text = "plain ASCII, none of it in this vocabulary";
        var tokens = wide.Tokenize(text);
        Assert.True(tokens.Length > System.Text.Encoding.UTF8.GetByteCount(text) + 2);
        Assert.Equal(text, wide.Detokenize(tokens).Replace('\u2581', ' '));
    }

    [Fact]
    public void The_same_seed_samples_the_same_tokens()
    {
        Assert.Equal(Generate(seed: 3), Generate(seed: 3));
        Assert.NotEqual(Generate(seed: 3), Generate(seed: 4));
    }

    [Fact]
    public void Compute_threads_kept_in_a_pool_give_the_same_tokens_as_threads_started_per_decode()
    {
        var perDecode = new ContextOptions { SequenceContextSize = 64, Threads = 2 };
        var expected = Generate(tiny.Model, 5, perDecode);
        Assert.Equal(expected, Generate(tiny.Model, 5, perDecode with { ThreadPolling = 0 }));
        Assert.Equal(expected, Generate(tiny.Model, 5, perDecode with { ThreadPolling = 50 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LlamaContext.Create(tiny.Model, perDecode with { ThreadPolling = 101 }));
    }

    [Fact]
    public void Decoding_refuses_what_llama_cpp_would_abort_on()
    {
        using var context = LlamaContext.Create(tiny.Model, new ContextOptions { SequenceContextSize = 64, Threads = 1 });
        using var batch = new TokenBatch(8);
        batch.Add(tiny.Model.VocabSize + 5, 0, 0, true);
        Assert.Contains("outside the vocabulary", Assert.Throws<LlamaException>(() => context.Decode(batch)).Message);
        batch.Clear();
        batch.Add(5, 0, sequence: 3, true);
        Assert.Contains("Sequence 3", Assert.Throws<LlamaException>(() => context.Decode(batch)).Message);
        batch.Clear();
        batch.Add(5, context.SequenceContextSize, 0, true);
        Assert.Contains("outside the context", Assert.Throws<LlamaException>(() => context.Decode(batch)).Message);
        batch.Clear();
        Assert.Throws<LlamaException>(() => context.Decode(batch));
    }

    [Fact]
    public void Files_that_are_not_models_are_refused_with_a_reason()
    {
        var garbage = Path.Combine(tiny.Directory, "garbage.gguf");
        File.WriteAllText(garbage, "this is certainly not a GGUF model file at all");
        Assert.Contains("not a GGUF file", Assert.Throws<LlamaException>(() => LlamaModel.Load(garbage)).Message);

        var truncated = Path.Combine(tiny.Directory, "truncated.gguf");
        var bytes = File.ReadAllBytes(tiny.Path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Throws<LlamaException>(() => LlamaModel.Load(truncated));

        Assert.Contains("not found", Assert.Throws<LlamaException>(() => LlamaModel.Load(Path.Combine(tiny.Directory, "missing.gguf"))).Message);
    }

    [Theory]
    [InlineData(Quantization.Q8_0, "Q8_0")]
    [InlineData(Quantization.Q4_0, "Q4_0")]
    public void Quantized_models_load_and_generate(Quantization type, string name)
    {
        var output = Path.Combine(tiny.Directory, $"tiny-{name}.gguf");
        ModelQuantizer.Quantize(tiny.Path, output, type, threads: 1);
        using var model = LlamaModel.Load(output);
        Assert.Equal(name, model.FileType);
        Assert.True(new FileInfo(output).Length < new FileInfo(tiny.Path).Length / 2);
        Assert.Equal(20, Generate(model, 1).Count);
    }

    List<int> Generate(uint seed) => Generate(tiny.Model, seed);

    static List<int> Generate(LlamaModel model, uint seed, ContextOptions? options = null)
    {
        using var context = LlamaContext.Create(model, options ?? new ContextOptions { SequenceContextSize = 64, Threads = 1 });
        using var sampler = TokenSampler.Create(model, new SamplingOptions { Seed = seed, Temperature = 1.0f, TopK = 0, TopP = 1, MinP = 0 });
        using var batch = new TokenBatch(32);
        var prompt = model.Tokenize("the fox");
        for (var i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, 0, i == prompt.Length - 1);
        var output = new List<int>();
        var pos = prompt.Length;
        for (var step = 0; step < 20; step++)
        {
            context.Decode(batch);
            var token = sampler.Sample(context, batch.Count - 1);
            output.Add(token);
            batch.Clear();
            batch.Add(token, pos++, 0, true);
        }
        return output;
    }
}
