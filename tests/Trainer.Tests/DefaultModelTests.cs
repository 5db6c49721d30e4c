using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>
/// The committed default model (models/custom-gpt.gguf, see models/README.md): loads, generates the
/// same text for the same seed, and that text is mostly real words of its source (the corpus is not
/// committed; <see cref="KnownWords"/> has its most common words).
/// </summary>
public sealed class DefaultModelTests
{
    [Fact]
    public void The_default_model_is_committed_small_and_described()
    {
        var file = new FileInfo(Repository.DefaultModel);
        Assert.True(file.Exists, $"{file.FullName} is missing");
        Assert.True(file.Length < 30_000_000, $"{file.Length} bytes");
        using var model = LlamaModel.Load(file.FullName);
        Assert.Equal("custom-gpt", model.Metadata("general.name"));
        Assert.Equal("llama", model.Metadata("general.architecture"));
        Assert.True(model.TrainedContextLength >= 256, $"context {model.TrainedContextLength}");
        Assert.Equal(Vocabulary.Bos, model.BosToken);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "models", "README.md")), "the model card");
    }

    [Fact]
    public void The_same_seed_gives_the_same_text_and_it_reads_like_the_source()
    {
        using var model = LlamaModel.Load(Repository.DefaultModel);
        var a = SampleGenerator.Generate(model, "", 200, seed: 42, threads: 1);
        var b = SampleGenerator.Generate(model, "", 200, seed: 42, threads: 1);
        Assert.Equal(a, b);
        Assert.Equal(200, a.EnumerateRunes().Count());
        Assert.True(KnownWords.Share(a) >= 0.6, $"{KnownWords.Share(a):P0} known words in:\n{a}");

        var other = SampleGenerator.Generate(model, "And God said", 150, seed: 7, threads: 1);
        Assert.NotEqual(a[..150], other);
        Assert.True(KnownWords.Share("And God said" + other) >= 0.6, other);
    }

    [Fact]
    public async Task ModelApi_serves_it_by_default_with_plausible_text()
    {
        using var api = new ModelApiServer(modelPath: null); // MODEL_PATH unset: ModelApi finds models/custom-gpt.gguf
        var request = new { seed = 42, temperature = 0.8, num_chars = 200 };
        var text = await api.GenerateAsync(request);
        Assert.Equal(200, text.EnumerateRunes().Count());
        Assert.Equal(text, await api.GenerateAsync(request));
        Assert.True(KnownWords.Share(text) >= 0.6, $"{KnownWords.Share(text):P0} known words in:\n{text}");
        var health = System.Text.Json.JsonDocument.Parse(await api.Http.GetStringAsync(new Uri("health", UriKind.Relative))).RootElement;
        Assert.Equal("custom-gpt", health.GetProperty("model").GetProperty("name").GetString());
    }
}
