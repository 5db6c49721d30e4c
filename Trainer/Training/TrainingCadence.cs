namespace CustomGpt.Trainer.Training;

/// <summary>
/// When the step loop validates, prints a progress line and saves a checkpoint. Times are the loop's
/// own seconds; the loop reports back what it did so the next interval starts from there.
/// </summary>
sealed class TrainingCadence
{
    readonly long evalEverySteps;
    readonly double evalEverySeconds, progressSeconds, checkpointSeconds;
    long lastEvalStep;
    double lastEvalSeconds, lastPrintSeconds, lastCheckpointSeconds;

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
        lastEvalStep = step;
        lastEvalSeconds = lastPrintSeconds = lastCheckpointSeconds = now;
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
}
