namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>One tensor of a GGUF file: ggml order shape (row length first), type, and where its bytes are.</summary>
public sealed record GgufTensorInfo(string Name, long[] Shape, uint Type, long DataOffset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
