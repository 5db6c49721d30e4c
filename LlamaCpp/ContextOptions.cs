namespace CustomGpt.LlamaCpp;

/// <summary>How a context is sized. <see cref="SequenceContextSize"/> is per sequence: each of the
/// <see cref="Sequences"/> parallel sequences gets that many positions of its own.</summary>
public sealed record ContextOptions
{
    public int SequenceContextSize { get; init; } = 2048;
    public int Sequences { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int BatchSize { get; init; } = 512;
    /// <summary>How keys and values are stored; q8_0 takes about half the memory of f16.</summary>
    public KvCacheType KvCache { get; init; } = KvCacheType.F16;
    /// <summary>llama.cpp's default is auto (on where the backend supports it, as the CPU does).</summary>
    public FlashAttention FlashAttention { get; init; } = FlashAttention.Auto;
    /// <summary>
    /// Keep the compute threads between decodes in a pool of their own, idle workers spinning this long
    /// (0–100; llama.cpp's tools use 50) before they sleep. Null: llama.cpp's library default, which starts
    /// and joins its threads for every decode.
    /// </summary>
    public int? ThreadPolling { get; init; }
}
