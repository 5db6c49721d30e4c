using CustomGpt.LlamaCpp;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

public sealed class ResumeTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("customgpt-trainer-resume-").FullName;
    readonly string text;

    public ResumeTests() => text = TestTexts.WriteTemp(dir, "sentences.txt", TestTexts.Sentences(24_000, seed: 11));

    string Out => Path.Combine(dir, "resumed.gguf");

    [Fact]
    public void An_interrupted_run_saves_a_checkpoint_that_resumes_to_the_end_of_its_plan()
    {
        using var cancel = new CancellationTokenSource();
        // Ctrl+C arrives right after step 8 (a deterministic stand-in for the key press).
        var log = new CapturingWriter(line => line.StartsWith("step 8/", StringComparison.Ordinal), cancel);
        var first = TrainerRunner.Train(log, cancel.Token,
            "--text", text, "--out", Out, "--preset", "tiny", "--steps", "24", "--eval-every", "4", "--lr", "0.01", "--threads", "2", "--seed", "9");
        Assert.True(first.Interrupted);
        Assert.Equal(8, first.State.Step);
        Assert.Contains(log.Lines, l => l.StartsWith("Resume with: train", StringComparison.Ordinal));
        Assert.True(File.Exists(first.OutputPath), "an interrupted run still writes the model");
        Assert.Equal(8, TrainingState.FromCheckpoint(first.CheckpointPath).Step);

        var second = TrainerRunner.Train("--text", text, "--out", Out, "--resume", first.CheckpointPath, "--threads", "2");
        Assert.False(second.Interrupted);
        Assert.Equal(24, second.State.Step);
        Assert.Equal(2, second.State.Sessions);
        Assert.Equal(2, second.State.Commands.Count);
        Assert.Equal(first.State.InitialValidationLoss, second.State.InitialValidationLoss);
        Assert.Equal(PlanKind.Steps, second.State.Plan.Kind);
        Assert.Equal(0, second.State.Plan.StartStep);

        // The resumed run starts from the checkpoint's weights, not from random ones.
        var firstResumed = second.State.Curve.First(p => p.Step > 8 && p.TrainLoss is not null);
        Assert.True(firstResumed.TrainLoss < first.State.InitialValidationLoss - 1,
            $"loss right after resuming {firstResumed.TrainLoss}, random start {first.State.InitialValidationLoss}");
        Assert.True(second.State.LastValidationLoss < first.State.LastValidationLoss,
            $"validation {first.State.LastValidationLoss} at step 8 -> {second.State.LastValidationLoss} at step 24");
    }

    [Fact]
    public void Resuming_with_a_plan_trains_that_much_more_and_can_quantize()
    {
        var first = TrainerRunner.Train("--text", text, "--out", Out, "--preset", "tiny", "--steps", "8", "--lr", "0.01", "--threads", "2");
        var second = TrainerRunner.Train("--text", text, "--out", Out, "--resume", first.CheckpointPath, "--steps", "8", "--quantize", "q8_0", "--threads", "2");
        Assert.Equal(16, second.State.Step);
        Assert.Equal(new TrainingPlan(PlanKind.Steps, 8, 8, first.State.TrainedSeconds), second.State.Plan);

        using var model = LlamaModel.Load(second.OutputPath);
        Assert.Equal("7", model.Metadata("general.file_type")); // LLAMA_FTYPE_MOSTLY_Q8_0
        Assert.Contains("Q8_0", model.FileType, StringComparison.Ordinal);
        Assert.Equal(256, model.TrainedContextLength);
        Assert.Equal(50, SampleGenerator.Generate(model, "The ", 50, seed: 1, threads: 1).EnumerateRunes().Count());
        Assert.Contains("Q8_0", File.ReadAllText(second.ReportPath), StringComparison.Ordinal);
    }

    [Fact]
    public void A_finished_plan_asks_for_more_instead_of_training_nothing()
    {
        var first = TrainerRunner.Train("--text", text, "--out", Out, "--preset", "tiny", "--steps", "4", "--threads", "2");
        var e = Assert.Throws<ResumeOptionsException>(() => TrainerRunner.Train("--text", text, "--out", Out, "--resume", first.CheckpointPath));
        Assert.Contains("add --minutes, --epochs or --steps", e.Message, StringComparison.Ordinal);

        var otherText = TestTexts.WriteTemp(dir, "other.txt", TestTexts.Sentences(24_000, seed: 12));
        var different = Assert.Throws<TrainingInputException>(() =>
            TrainerRunner.Train("--text", otherText, "--out", Out, "--resume", first.CheckpointPath, "--steps", "4"));
        Assert.Contains("the checkpoint was trained on a different text", different.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
