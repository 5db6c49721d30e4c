using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Bench;

/// <summary>The TinyLlama-1.1B-shaped Q4_0 model with random weights, made once and cached.</summary>
static class BenchModel
{
    public static string Ensure(string directory)
    {
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
