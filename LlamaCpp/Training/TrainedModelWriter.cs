using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.LlamaCpp.Training;

/// <summary>
/// Turns the GGUF that llama.cpp's saver wrote after training into a clean one: our own metadata
/// (<see cref="LlamaModelWriter.DescribeModel"/>: context length, name, general.file_type, the exact
/// tokenizer keys) plus any extra string keys, with the tensors copied byte for byte.
/// </summary>
public static class TrainedModelWriter
{
    public static void Write(string savedPath, string outputPath, ModelShape shape, Vocabulary vocabulary, string name,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        shape.Validate();
        var saved = GgufReader.Read(savedPath);
        var gguf = new GgufWriter();
        LlamaModelWriter.DescribeModel(gguf, shape, vocabulary, name, GgmlType.F32);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) gguf.Add(key, value);

        using var source = new FileStream(savedPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        foreach (var t in saved.Tensors)
        {
            if (t.Type is not (0 or 1)) throw new LlamaException($"Tensor {t.Name} has ggml type {t.Type}; only F32 and F16 are copied.");
            var type = (GgmlType)t.Type;
            var bytes = t.ElementCount * (type == GgmlType.F32 ? 4 : 2);
            if (t.DataOffset + bytes > source.Length) throw new LlamaException($"Tensor {t.Name} runs past the end of '{Path.GetFileName(savedPath)}'.");
            gguf.AddTensor(t.Name, t.Shape, type, output =>
            {
                source.Position = t.DataOffset;
                var buffer = new byte[1 << 20];
                for (var left = bytes; left > 0;)
                {
                    var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n <= 0) throw new EndOfStreamException($"'{savedPath}' ended inside tensor {t.Name}.");
                    output.Write(buffer, 0, n);
                    left -= n;
                }
            });
        }
        if (!saved.Tensors.Any(t => t.Name == "output.weight"))
            throw new LlamaException("The saved model has no output.weight; the trainer needs an untied output layer.");
        gguf.Save(outputPath);
    }
}
