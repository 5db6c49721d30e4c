using System.CommandLine;
using System.CommandLine.Parsing;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer;

/// <summary>make-model: writes a llama-architecture GGUF with random weights, optionally quantized.</summary>
public static class MakeModelCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Required = true, HelpName = "PATH", Description = "The model file to write." };
        var shape = new Option<ModelShape?>("--shape")
        {
            HelpName = "tiny|tinyllama|EMBD,LAYERS,HEADS,KV_HEADS,FF,CONTEXT",
            Description = "The model's dimensions: tiny (for tests), TinyLlama-1.1B's, or six numbers [default: tiny].",
            CustomParser = ParseShape,
        };
        var vocabulary = new Option<Vocabulary?>("--vocab")
        {
            HelpName = "chars:FILE|synthetic:N",
            Description = "The characters of a text file, or N made-up tokens [default: synthetic:512, synthetic:32000 for tinyllama].",
            CustomParser = ParseVocabulary,
        };
        var type = new Option<string?>("--type") { HelpName = "f32|f16", Description = "The weights' type [default: f32, f16 for tinyllama]." }
            .AcceptOnlyFromAmong("f32", "f16");
        var quantize = OptionRules.QuantizeOption("Quantize the model after writing it.");
        var name = new Option<string?>("--name") { HelpName = "NAME", Description = "The model's name in its metadata [default: the file name]." };
        var seed = new Option<int>("--seed") { HelpName = "N", Description = "Seed of the random weights.", DefaultValueFactory = _ => 1 }
            .Within(0, int.MaxValue);
        var command = new Command("make-model", "Writes a llama-architecture GGUF with random weights (for tests and benchmarks), optionally quantized.")
        {
            output, shape, vocabulary, type, quantize, name, seed,
        };
        command.SetAction(result =>
        {
            var path = Path.GetFullPath(result.GetRequiredValue(output));
            var dimensions = result.GetValue(shape) ?? ModelShape.Tiny;
            var big = dimensions == ModelShape.TinyLlama;
            Write(path, dimensions,
                result.GetValue(vocabulary) ?? Vocabulary.Synthetic(big ? 32_000 : 512),
                (result.GetValue(type) ?? (big ? "f16" : "f32")) == "f16" ? GgmlType.F16 : GgmlType.F32,
                OptionRules.Quantization(result.GetValue(quantize)),
                result.GetValue(name) ?? Path.GetFileNameWithoutExtension(path),
                (ulong)result.GetValue(seed));
            return 0;
        });
        return command;
    }

    static void Write(string output, ModelShape shape, Vocabulary vocabulary, GgmlType type, Quantization? quantization, string name, ulong seed)
    {
        var unquantized = quantization is null ? output : output + ".f.gguf";
        Console.WriteLine($"Writing {name}: {shape} with {vocabulary.Count} tokens, {type}...");
        LlamaModelWriter.WriteRandom(unquantized, shape, vocabulary, name, seed, type);
        if (quantization is { } q)
        {
            Console.WriteLine($"Quantizing to {q}...");
            try
            {
                ModelQuantizer.Quantize(unquantized, output, q);
            }
            finally
            {
                File.Delete(unquantized); // a step between, never left behind
            }
        }
        Console.WriteLine($"Wrote {output} ({new FileInfo(output).Length / 1e6:F1} MB)");
    }

    // Custom parsers: the parser reports a bad --shape or --vocab like any other bad value (exit code 2).
    static ModelShape? ParseShape(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        if (text == "tiny") return ModelShape.Tiny;
        if (text == "tinyllama") return ModelShape.TinyLlama;
        var parts = text.Split(',');
        if (parts.Length != 6 || !parts.All(p => int.TryParse(p, out var v) && v > 0))
        {
            result.AddError($"--shape must be tiny, tinyllama or six positive numbers EMBD,LAYERS,HEADS,KV_HEADS,FF,CONTEXT (got '{text}').");
            return null;
        }
        var n = parts.Select(int.Parse).ToArray();
        var shape = new ModelShape(n[0], n[1], n[2], n[3], n[4], n[5]);
        try
        {
            shape.Validate();
        }
        catch (ArgumentException e)
        {
            result.AddError("--shape: " + e.Message);
        }
        return shape;
    }

    static Vocabulary? ParseVocabulary(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        if (text.StartsWith("synthetic:", StringComparison.Ordinal) && int.TryParse(text["synthetic:".Length..], out var size))
        {
            try
            {
                return Vocabulary.Synthetic(size);
            }
            catch (ArgumentOutOfRangeException e)
            {
                result.AddError("--vocab: " + e.Message.Split(" (Parameter")[0]);
                return null;
            }
        }
        if (text.StartsWith("chars:", StringComparison.Ordinal))
        {
            var file = text["chars:".Length..];
            if (File.Exists(file)) return Vocabulary.FromCharacters(File.ReadAllText(file));
            result.AddError($"--vocab: file not found: {file}");
            return null;
        }
        result.AddError($"--vocab must be chars:FILE or synthetic:N (got '{text}').");
        return null;
    }
}
