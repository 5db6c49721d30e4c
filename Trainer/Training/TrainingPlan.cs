namespace CustomGpt.Trainer.Training;

/// <summary>
/// How long a run (or a resumed extension of one) trains, counted from where it started. The one place
/// that turns epochs into steps: an epoch is every training window once, one window per step.
/// </summary>
public sealed record TrainingPlan(PlanKind Kind, double Amount, long StartStep, double StartSeconds)
{
    public string Describe() => Kind switch
    {
        PlanKind.Epochs => $"{Amount:0.##} epoch{(Amount == 1 ? "" : "s")}",
        PlanKind.Minutes => $"{Amount:0.##} minute{(Amount == 1 ? "" : "s")}",
        _ => $"{Amount:0} steps",
    };

    // Methods, not properties: the plan is stored as JSON in the checkpoint, and these are not state.

    /// <summary>The steps this plan takes; null for a plan in minutes.</summary>
    public long? Steps(int windowsPerEpoch) => Kind switch
    {
        PlanKind.Epochs => (long)Math.Ceiling(Amount * windowsPerEpoch),
        PlanKind.Steps => (long)Amount,
        _ => null,
    };

    /// <summary>0 at the plan's start, 1 at its end: what the learning-rate schedule follows.</summary>
    public double Progress(long step, double trainedSeconds, int windowsPerEpoch) =>
        Steps(windowsPerEpoch) is long total
            ? (step - StartStep) / (double)Math.Max(1, total)
            : (trainedSeconds - StartSeconds) / (Amount * 60);

    public bool IsDone(long step, double trainedSeconds, int windowsPerEpoch) =>
        Steps(windowsPerEpoch) is long total
            ? step - StartStep >= total
            : trainedSeconds - StartSeconds >= Amount * 60;

    /// <summary>Seconds still to train: what is left of the minutes, or the steps left at the pace so far.</summary>
    public double SecondsLeft(long step, double trainedSeconds, int windowsPerEpoch)
    {
        var elapsed = trainedSeconds - StartSeconds;
        var done = step - StartStep;
        return Steps(windowsPerEpoch) is long total
            ? (total - done) * (elapsed / Math.Max(1, done))
            : Amount * 60 - elapsed;
    }
}
