using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>The step loop's arithmetic and policy without a model: how far a plan is, and when to validate and checkpoint.</summary>
public sealed class PlanAndCadenceTests
{
    [Fact]
    public void A_plan_counts_its_steps_from_where_it_started()
    {
        var epochs = new TrainingPlan(PlanKind.Epochs, 1.5, StartStep: 10, StartSeconds: 0);
        Assert.Equal(15, epochs.Steps(windowsPerEpoch: 10));
        Assert.Equal(8, new TrainingPlan(PlanKind.Epochs, 0.75, 0, 0).Steps(10)); // a started step counts whole
        Assert.False(epochs.IsDone(24, 0, 10));
        Assert.True(epochs.IsDone(25, 0, 10));
        Assert.Equal(0.2, epochs.Progress(13, 0, 10), 12);

        var steps = new TrainingPlan(PlanKind.Steps, 8, 8, 0);
        Assert.Equal(8, steps.Steps(1000));
        Assert.True(steps.IsDone(16, 0, 1000));
        Assert.Equal(10.0, steps.SecondsLeft(12, trainedSeconds: 10, windowsPerEpoch: 1000), 12); // 4 steps left at 2.5 s each
    }

    [Fact]
    public void A_plan_in_minutes_counts_trained_seconds()
    {
        var plan = new TrainingPlan(PlanKind.Minutes, 2, StartStep: 100, StartSeconds: 60);
        Assert.Null(plan.Steps(10));
        Assert.Equal(0.5, plan.Progress(5000, trainedSeconds: 120, windowsPerEpoch: 10), 12);
        Assert.False(plan.IsDone(5000, 179.9, 10));
        Assert.True(plan.IsDone(100, 180, 10));
        Assert.Equal(30, plan.SecondsLeft(5000, 150, 10), 12);
    }

    [Fact]
    public void Validation_comes_every_tenth_of_the_plan_and_at_each_epoch_end()
    {
        var options = new TrainOptions { TextPath = "t.txt", OutputPath = "m.gguf" };
        var cadence = new TrainingCadence(options, new TrainingPlan(PlanKind.Steps, 100, 0, 0), planSteps: 100, step: 0, now: 0);
        Assert.False(cadence.ShouldValidate(9, now: 1, epochDone: false, planDone: false));
        Assert.True(cadence.ShouldValidate(10, 1, false, false));
        Assert.True(cadence.ShouldValidate(3, 1, epochDone: true, planDone: false));
        cadence.Validated(10, 1);
        Assert.True(cadence.ValidatedAt(10));
        Assert.False(cadence.ShouldValidate(19, 2, false, false));

        // A plan in minutes: by time, at most once a minute; --eval-every counts steps only.
        var minutes = new TrainingPlan(PlanKind.Minutes, 5, 0, 0);
        var timed = new TrainingCadence(options, minutes, planSteps: null, step: 0, now: 0);
        Assert.False(timed.ShouldValidate(1_000_000, 59, false, false));
        Assert.True(timed.ShouldValidate(1, 60, false, false));
        var stepped = new TrainingCadence(options with { EvalEverySteps = 5 }, minutes, null, 0, 0);
        Assert.False(stepped.ShouldValidate(4, 10_000, false, false));
        Assert.True(stepped.ShouldValidate(5, 0, false, false));
    }

    [Fact]
    public void Checkpoints_come_at_epoch_ends_and_every_few_minutes_but_not_where_the_plan_ends()
    {
        var options = new TrainOptions { TextPath = "t.txt", OutputPath = "m.gguf", CheckpointMinutes = 10 };
        var cadence = new TrainingCadence(options, new TrainingPlan(PlanKind.Epochs, 3, 0, 0), planSteps: 300, step: 0, now: 0);
        Assert.True(cadence.ShouldCheckpoint(now: 5, epochDone: true, planDone: false));
        Assert.False(cadence.ShouldCheckpoint(5, epochDone: true, planDone: true)); // the run's last checkpoint follows
        Assert.False(cadence.ShouldCheckpoint(599, false, false));
        Assert.True(cadence.ShouldCheckpoint(600, false, false));
        cadence.Checkpointed(600);
        Assert.False(cadence.ShouldCheckpoint(1199, false, false));

        Assert.True(cadence.ShouldPrint(now: 0, validated: true));
        Assert.False(cadence.ShouldPrint(9, validated: false)); // progress lines every 10 s by default
        Assert.True(cadence.ShouldPrint(10, validated: false));
    }

    [Fact]
    public void Samples_come_every_10_seconds_by_default_or_every_few_steps_but_not_where_the_plan_ends()
    {
        var plan = new TrainingPlan(PlanKind.Minutes, 5, 0, 0);
        var options = new TrainOptions { TextPath = "t.txt", OutputPath = "m.gguf" };
        var timed = new TrainingCadence(options, plan, planSteps: null, step: 0, now: 0);
        Assert.False(timed.ShouldSample(1_000_000, now: 9.9, planDone: false));
        Assert.True(timed.ShouldSample(1, 10, planDone: false));
        Assert.False(timed.ShouldSample(1, 10, planDone: true)); // the finished model's samples follow
        timed.Sampled(1, 10);
        Assert.False(timed.ShouldSample(2, 19.9, false));
        Assert.True(timed.ShouldSample(2, 20, false));

        // --sample-every counts steps only, unless --sample-seconds is given too; --sample-seconds 0 turns time off.
        var stepped = new TrainingCadence(options with { SampleEverySteps = 8 }, plan, null, 0, 0);
        Assert.False(stepped.ShouldSample(7, 10_000, false));
        Assert.True(stepped.ShouldSample(8, 0, false));
        var both = new TrainingCadence(options with { SampleEverySteps = 8, SampleSeconds = 5 }, plan, null, 0, 0);
        Assert.True(both.ShouldSample(1, 5, false));
        Assert.True(both.ShouldSample(8, 0, false));
        var off = new TrainingCadence(options with { SampleSeconds = 0 }, plan, null, 0, 0);
        Assert.False(off.ShouldSample(1_000_000, 1_000_000, false));
    }
}
