using CustomGpt.LlamaCpp;

namespace CustomGpt.Trainer.Training;

/// <summary>What <c>train</c> was asked to do. Null means "the default, or the checkpoint's value".</summary>
public sealed record TrainOptions
{
    public required string TextPath { get; init; }
    public required string OutputPath { get; init; }
    public string? Preset { get; init; }
    public int? Context { get; init; }
    public PlanKind? PlanKind { get; init; }
    public double? PlanAmount { get; init; }
    public Quantization? Quantize { get; init; }
    public string? ResumePath { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int? Seed { get; init; }
    public double? LearningRate { get; init; }
    public string? Name { get; init; }
    /// <summary>Validate every this many steps; by default about 10 times per run and at each epoch end.</summary>
    public int? EvalEverySteps { get; init; }
    public int ValidationWindows { get; init; } = 16;
    public double CheckpointMinutes { get; init; } = 10;
    public double ProgressSeconds { get; init; } = 10;
    /// <summary>Validate at least this often (seconds of training) besides the step cadence; null for the default.</summary>
    public double? EvalEverySeconds { get; init; }
    /// <summary>The share of the text held out for validation (default <see cref="TrainingData.ValidationFraction"/>).</summary>
    public double? ValidationShare { get; init; }
    /// <summary>Also write each event as one JSON line (<see cref="ProgressLine"/>) for a program that runs the trainer.</summary>
    public bool JsonProgress { get; init; }
    public int Samples { get; init; } = 3;
    /// <summary>Stop (as on Ctrl+C) when standard input closes: the program that started the trainer has ended.</summary>
    public bool WatchStdin { get; init; }
    /// <summary>Draw a sample of text from the current weights while training, every this many steps (null: by time only).</summary>
    public int? SampleEverySteps { get; init; }
    /// <summary>... and every this many seconds of training (0: not by time); null for the default
    /// (<see cref="TrainingCadence.DefaultSampleSeconds"/>, or none when <see cref="SampleEverySteps"/> is given).</summary>
    public double? SampleSeconds { get; init; }
    /// <summary>The command line, recorded in the checkpoint and the report.</summary>
    public string? CommandLine { get; init; }
}
