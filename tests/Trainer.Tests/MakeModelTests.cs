using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Tests;

/// <summary>`dotnet Trainer.dll make-model ...` as an operator runs it: the options reach the model file.</summary>
public sealed class MakeModelTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("customgpt-make-model-").FullName;

    [Fact]
    public void Writes_a_random_model()
    {
        var model = Path.Combine(dir, "random.gguf");
        var (code, output) = TrainerRunner.RunProcess("make-model", "--out", model, "--shape", "64,2,4,2,128,256", "--vocab", "synthetic:300", "--name", "random", "--seed", "7");
        Assert.True(code == 0, $"exit code {code}:\n{output}");
        var gguf = GgufReader.Read(model);
        Assert.Equal("random", gguf.GetString("general.name"));
        Assert.Equal(64, Convert.ToInt32(gguf.Metadata["llama.embedding_length"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(300, ((Array)gguf.Metadata["tokenizer.ggml.tokens"]).Length);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
