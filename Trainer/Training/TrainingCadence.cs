namespace CustomGpt.Trainer.Training;

/// <summary>
/// When the step loop validates, prints a progress line, draws a sample and saves a checkpoint. Times are the loop's
/// own seconds; the loop reports back what it did so the next interval starts from there.
/// </summary>
sealed class TrainingCadence
{
    /// <summary>A sample every 10 s by default: a 15-second job shows one before it ends, a long run one per progress line.</summary>
    public const double DefaultSampleSeconds = 10;

    readonly long evalEverySteps, sampleEverySteps;
    readonly double evalEverySeconds, progressSeconds, checkpointSeconds, sampleSeconds;
    long lastEvalStep, lastSampleStep;
    double lastEvalSeconds, lastPrintSeconds, lastCheckpointSeconds, lastSampleSeconds;

    public TrainingCadence(TrainOptions options, TrainingPlan plan, long? planSteps, long step, double now)
    {
        // By default about 10 validations per run (and one at each epoch end): by steps, or for a plan
        // in minutes by time, at most once a minute. --eval-every counts steps only.
        evalEverySteps = options.EvalEverySteps ?? (planSteps is long t ? Math.Max(1, t / 10) : long.MaxValue);
        evalEverySeconds = options.EvalEverySeconds ?? (options.EvalEverySteps is null && plan.Kind == PlanKind.Minutes
            ? Math.Max(60, plan.Amount * 60 / 10)
            : double.PositiveInfinity);
        progressSeconds = options.ProgressSeconds;
        checkpointSeconds = options.CheckpointMinutes * 60;
        // Samples as validation: --sample-every counts steps only, unless --sample-seconds is given too; 0 seconds = not by time.
        sampleEverySteps = options.SampleEverySteps ?? long.MaxValue;
        sampleSeconds = options.SampleSeconds ?? (options.SampleEverySteps is null ? DefaultSampleSeconds : 0);
        if (sampleSeconds <= 0) sampleSeconds = double.PositiveInfinity;
        lastEvalStep = lastSampleStep = step;
        lastEvalSeconds = lastPrintSeconds = lastCheckpointSeconds = lastSampleSeconds = now;
    }

    public bool ShouldValidate(long step, double now, bool epochDone, bool planDone) =>
        epochDone || planDone || step - lastEvalStep >= evalEverySteps || now - lastEvalSeconds >= evalEverySeconds;

    public void Validated(long step, double now) => (lastEvalStep, lastEvalSeconds) = (step, now);

    public bool ValidatedAt(long step) => lastEvalStep == step;

    /// <summary>A line with every validation, otherwise every few seconds.</summary>
    public bool ShouldPrint(double now, bool validated) => validated || now - lastPrintSeconds >= progressSeconds;

    public void Printed(double now) => lastPrintSeconds = now;

    /// <summary>At each epoch's end (unless the plan ends there: the run's last checkpoint follows), and every few minutes.</summary>
    public bool ShouldCheckpoint(double now, bool epochDone, bool planDone) =>
        epochDone ? !planDone : now - lastCheckpointSeconds >= checkpointSeconds;

    public void Checkpointed(double now) => lastCheckpointSeconds = now;

    /// <summary>Every few steps or seconds, but not where the plan ends: the run's final samples follow from the finished model.</summary>
    public bool ShouldSample(long step, double now, bool planDone) =>
        !planDone && (step - lastSampleStep >= sampleEverySteps || now - lastSampleSeconds >= sampleSeconds);

    public void Sampled(long step, double now) => (lastSampleStep, lastSampleSeconds) = (step, now);
}
