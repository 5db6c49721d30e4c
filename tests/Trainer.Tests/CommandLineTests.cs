namespace CustomGpt.Trainer.Tests;

/// <summary>The whole command line in-process (<see cref="TrainerCli.Run"/>, what Program runs): parsing, the
/// train action and the exit codes.</summary>
public sealed class CommandLineTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("customgpt-trainer-cli-").FullName;
    readonly string text;

    public CommandLineTests() => text = TestTexts.WriteTemp(dir, "sentences.txt", TestTexts.Sentences(6_000, seed: 3));

    string Out => Path.Combine(dir, "model.gguf");

    [Fact]
    public void Training_stopped_early_exits_130_with_its_checkpoint()
    {
        using var cancel = new CancellationTokenSource();
        // The stand-in for Ctrl+C arrives with the first progress line.
        var log = new CapturingWriter(line => line.StartsWith("step ", StringComparison.Ordinal), cancel);
        using var error = new StringWriter();
        var code = TrainerCli.Run(["train", "--text", text, "--out", Out, "--preset", "tiny", "--steps", "400", "--eval-every", "4",
            "--progress", "json", "--watch-stdin", "false", "--threads", "2"], log, error, cancel.Token);
        Assert.True(code == 130, $"exit code {code}:\n{log}\n{error}");
        Assert.True(File.Exists(Path.Combine(dir, "model.ckpt.gguf")), "the checkpoint is saved");
        Assert.Contains(log.Lines, l => l.StartsWith("{\"event\":", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_input_exits_2_naming_the_option()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = TrainerCli.Run(["train", "--text", text, "--out", Out, "--eval-seconds", "0"], output, error);
        Assert.Equal(2, code);
        Assert.StartsWith("--eval-seconds must be a number from 0.1 to 1000000 (got '0').", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Out));
    }

    [Fact]
    public void Parse_reads_every_option()
    {
        var options = TrainCommand.Parse(["--text", "t.txt", "--out", "m.gguf", "--preset", "small", "--context", "512", "--minutes", "1.5",
            "--quantize", "Q4_0", "--threads", "3", "--seed", "0", "--lr", "0.001", "--name", "m", "--eval-every", "5", "--eval-seconds", "2",
            "--checkpoint-minutes", "3", "--validation-share", "0.1", "--progress", "json", "--progress-seconds", "0.5",
            "--sample-every", "7", "--sample-seconds", "0", "--watch-stdin", "true"]);
        Assert.Equal(("t.txt", "m.gguf", "small", 512), (options.TextPath, options.OutputPath, options.Preset, options.Context));
        Assert.Equal((Training.PlanKind.Minutes, 1.5), (options.PlanKind, options.PlanAmount));
        Assert.Equal(LlamaCpp.Quantization.Q4_0, options.Quantize);
        Assert.Equal((3, 0, 0.001, "m"), (options.Threads, options.Seed, options.LearningRate, options.Name));
        Assert.Equal((5, 2.0, 3.0, 0.1), (options.EvalEverySteps, options.EvalEverySeconds, options.CheckpointMinutes, options.ValidationShare));
        Assert.Equal((true, 0.5, 7, 0.0, true), (options.JsonProgress, options.ProgressSeconds, options.SampleEverySteps, options.SampleSeconds, options.WatchStdin));
    }

    [Fact]
    public void Parse_leaves_unset_options_to_the_defaults_or_the_checkpoint()
    {
        var options = TrainCommand.Parse(["--text", "t.txt", "--out", "m.gguf"]);
        Assert.Equal((null, null, null, null), (options.Preset, options.Context, options.PlanKind, options.PlanAmount));
        Assert.Equal((null, null, null, null), (options.Seed, options.LearningRate, options.SampleSeconds, options.SampleEverySteps));
        Assert.Equal((Environment.ProcessorCount, 10.0, 10.0, false, false), (options.Threads, options.CheckpointMinutes, options.ProgressSeconds, options.JsonProgress, options.WatchStdin));
        Assert.Equal("train --text t.txt --out m.gguf", options.CommandLine);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
