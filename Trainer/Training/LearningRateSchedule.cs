namespace CustomGpt.Trainer.Training;

/// <summary>Linear warm-up, then cosine decay from the peak to the minimum over the plan.</summary>
public sealed record LearningRateSchedule(double Peak, double Min, int WarmupSteps)
{
    /// <param name="progress">0 at the plan's start, 1 at its end.</param>
    /// <param name="stepsThisSession">Steps since this process started: a resumed run warms up again
    /// because AdamW's moments start from zero (llama.cpp does not expose them to save).</param>
    public double At(double progress, long stepsThisSession)
    {
        var p = Math.Clamp(progress, 0, 1);
        var cosine = Min + 0.5 * (Peak - Min) * (1 + Math.Cos(Math.PI * p));
        var warm = Math.Min(1.0, (stepsThisSession + 1.0) / Math.Max(1, WarmupSteps));
        return cosine * warm;
    }
}
