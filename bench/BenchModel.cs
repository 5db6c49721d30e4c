using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.Tests.Shared;

namespace CustomGpt.Bench;

/// <summary>The TinyLlama-1.1B-shaped Q4_0 model with random weights, made once and cached.</summary>
static class BenchModel
{
    /// <summary>About 60 tokens in the model's synthetic vocabulary: the prompt every speed figure uses.</summary>
    public const string Prompt = "The quick brown fox jumps over the lazy dog while the small cat watches from a warm window and thinks about dinner";

    /// <summary>The model's path, in the repository's git-ignored artifacts/bench folder.</summary>
    public static string Ensure()
    {
        var directory = Repository.PathOf(Path.Combine("artifacts", "bench"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "tinyllama-shape-q4_0.gguf");
        if (File.Exists(path)) return path;
        var f16 = Path.Combine(directory, "tinyllama-shape-f16.gguf");
        Console.WriteLine("Making the TinyLlama-shaped model (F16, then Q4_0); a minute or two, once...");
        LlamaModelWriter.WriteRandom(f16, ModelShape.TinyLlama, Vocabulary.Synthetic(32000), "tinyllama-shape", seed: 1, GgmlType.F16);
        ModelQuantizer.Quantize(f16, path, Quantization.Q4_0);
        File.Delete(f16);
        return path;
    }
}
