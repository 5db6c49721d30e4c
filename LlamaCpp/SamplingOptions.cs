namespace CustomGpt.LlamaCpp;

/// <summary>Sampling settings. Temperature 0 means greedy (always the likeliest token). The defaults are llama.cpp's
/// own (common_params); ModelApi and the Trainer set every field from the contract's GenerationLimits.</summary>
public sealed record SamplingOptions
{
    public uint Seed { get; init; }
    public float Temperature { get; init; } = 0.8f;
    public int TopK { get; init; } = 40;
    public float TopP { get; init; } = 0.95f;
    public float MinP { get; init; } = 0.05f;
    public float RepeatPenalty { get; init; } = 1.0f;
    public int RepeatLastN { get; init; } = 64;
    /// <summary>Never pick an end-of-generation token: the text always runs to its length limit.</summary>
    public bool IgnoreEos { get; init; }
}
