using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer;

/// <summary>make-model: writes a llama-architecture GGUF with random weights, optionally quantized.</summary>
public static class MakeModelCommand
{
    public const string Usage = """
        make-model --out PATH [--shape tiny|tinyllama|EMBD,LAYERS,HEADS,KV_HEADS,FF,CONTEXT]
                   [--vocab chars:FILE | synthetic:N] [--type f32|f16] [--quantize q8_0|q4_0]
                   [--name NAME] [--seed N]
          Defaults: --shape tiny --vocab synthetic:512 --type f32. tinyllama uses synthetic:32000 and f16.
        """;

    public static int Run(string[] args)
    {
        var cmd = new CommandLine(args, "out", "shape", "vocab", "type", "quantize", "name", "seed");
        var output = Path.GetFullPath(cmd.Required("out"));
        var shapeName = cmd.Get("shape") ?? "tiny";
        var shape = ParseShape(shapeName);
        var big = shapeName == "tinyllama";
        var vocabulary = ParseVocabulary(cmd.Get("vocab") ?? (big ? "synthetic:32000" : "synthetic:512"));
        var type = (cmd.Get("type") ?? (big ? "f16" : "f32")) switch
        {
            "f32" => GgmlType.F32,
            "f16" => GgmlType.F16,
            var t => throw new UsageException($"--type must be f32 or f16 (got '{t}')."),
        };
        Quantization? quantization = cmd.Get("quantize") switch
        {
            null => null,
            "q8_0" => Quantization.Q8_0,
            "q4_0" => Quantization.Q4_0,
            var other => throw new UsageException($"--quantize must be q8_0 or q4_0 (got '{other}')."),
        };
        var name = cmd.Get("name") ?? Path.GetFileNameWithoutExtension(output);
        var seed = (ulong)cmd.Int("seed", 1);
        try
        {
            shape.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--shape: " + e.Message);
        }

        var unquantized = quantization is null ? output : output + ".f.gguf";
        Console.WriteLine($"Writing {name}: {shape} with {vocabulary.Count} tokens, {type}...");
        LlamaModelWriter.WriteRandom(unquantized, shape, vocabulary, name, seed, type);
        if (quantization is { } q)
        {
            Console.WriteLine($"Quantizing to {q}...");
            ModelQuantizer.Quantize(unquantized, output, q);
            File.Delete(unquantized);
        }
        Console.WriteLine($"Wrote {output} ({new FileInfo(output).Length / 1e6:F1} MB)");
        return 0;
    }

    static ModelShape ParseShape(string text)
    {
        if (text == "tiny") return ModelShape.Tiny;
        if (text == "tinyllama") return ModelShape.TinyLlama;
        var parts = text.Split(',');
        if (parts.Length != 6 || !parts.All(p => int.TryParse(p, out var v) && v > 0))
            throw new UsageException($"--shape must be tiny, tinyllama or six positive numbers EMBD,LAYERS,HEADS,KV_HEADS,FF,CONTEXT (got '{text}').");
        var n = parts.Select(int.Parse).ToArray();
        return new ModelShape(n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    static Vocabulary ParseVocabulary(string text)
    {
        if (text.StartsWith("synthetic:", StringComparison.Ordinal) && int.TryParse(text["synthetic:".Length..], out var size))
        {
            try { return Vocabulary.Synthetic(size); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException("--vocab: " + e.Message.Split(" (Parameter")[0]); }
        }
        if (text.StartsWith("chars:", StringComparison.Ordinal))
        {
            var file = text["chars:".Length..];
            if (!File.Exists(file)) throw new UsageException($"--vocab: file not found: {file}");
            return Vocabulary.FromCharacters(File.ReadAllText(file));
        }
        throw new UsageException($"--vocab must be chars:FILE or synthetic:N (got '{text}').");
    }
}
