namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>The dimensions of a llama-architecture transformer.</summary>
public sealed record ModelShape(int EmbeddingLength, int Layers, int Heads, int KvHeads, int FeedForwardLength, int ContextLength)
{
    /// <summary>A few hundred thousand parameters: loads and generates in milliseconds, for tests.</summary>
    public static ModelShape Tiny { get; } = new(64, 2, 4, 2, 128, 512);

    /// <summary>TinyLlama-1.1B's shape, for benchmarks.</summary>
    public static ModelShape TinyLlama { get; } = new(2048, 22, 32, 4, 5632, 2048);

    public int HeadDimension => EmbeddingLength / Heads;

    public void Validate()
    {
        if (EmbeddingLength < 8 || Layers < 1 || Heads < 1 || KvHeads < 1 || FeedForwardLength < 1 || ContextLength < 8)
            throw new ArgumentException($"Every dimension must be positive: {this}.");
        if (EmbeddingLength % Heads != 0) throw new ArgumentException($"embedding length {EmbeddingLength} must be divisible by heads {Heads}.");
        if (Heads % KvHeads != 0) throw new ArgumentException($"heads {Heads} must be divisible by KV heads {KvHeads}.");
        if (HeadDimension % 2 != 0) throw new ArgumentException($"head dimension {HeadDimension} must be even (RoPE).");
    }
}
