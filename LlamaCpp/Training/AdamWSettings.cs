namespace CustomGpt.LlamaCpp.Training;

/// <summary>AdamW settings that stay fixed for a run; the learning rate comes per step from a schedule.</summary>
public sealed record AdamWSettings
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 1e-8f;
    public float WeightDecay { get; init; }
}
