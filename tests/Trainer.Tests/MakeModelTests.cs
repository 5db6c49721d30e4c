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

    [Fact]
    public void Writes_a_quantized_model_and_no_step_between()
    {
        var model = Path.Combine(dir, "random-q8.gguf");
        var (code, output) = TrainerRunner.RunProcess("make-model", "--out", model, "--shape", "64,2,4,2,128,256", "--vocab", "synthetic:300", "--quantize", "q8_0");
        Assert.True(code == 0, $"exit code {code}:\n{output}");
        var gguf = GgufReader.Read(model);
        const uint Q8_0 = 8; // GGML_TYPE_Q8_0 in ggml.h
        Assert.Contains(gguf.Tensors, t => t.Type == Q8_0);
        Assert.Equal([model], Directory.GetFiles(dir));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
