using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// A run's setup, before any model is loaded: the text and its split, and the training state (new, or
/// the checkpoint's, checked against the options), with this session counted in.
/// </summary>
sealed class RunSetup
{
    public const double DefaultLearningRate = 2e-3;
    public const double MinLearningRateFraction = 0.025;
    public const int DefaultWarmupSteps = 50;

    readonly TrainOptions options;

    public RunSetup(TrainOptions options, string output)
    {
        this.options = options;
        Corpus = CharCorpus.Load(options.TextPath);
        if (string.Equals(output, Path.GetFullPath(options.TextPath), StringComparison.Ordinal))
            throw new TrainingInputException("--out names the --text file itself; choose another output path.");
        CheckOutputWritable(output);
        State = options.ResumePath is null ? NewState(output) : ResumedState(options.ResumePath);
        Data = new TrainingData(Corpus.Tokens, Corpus.LineStarts, State.Shape.ContextLength, Vocabulary.Bos, options.ValidationWindows, State.ValidationShare);
        if (options.ResumePath is not null && options.PlanKind is null && State.Plan.IsDone(State.Step, State.TrainedSeconds, Data.WindowsPerEpoch))
            throw new ResumeOptionsException($"The checkpoint finished its plan ({State.Plan.Describe()}, step {State.Step}); add --minutes, --epochs or --steps to train further.");
        State.Threads = options.Threads;
        State.Sessions++;
        if (options.CommandLine is { } cmd) State.Commands.Add(cmd);
    }

    public CharCorpus Corpus { get; }
    public TrainingState State { get; }
    public TrainingData Data { get; }

    TrainingState NewState(string output)
    {
        var presetName = options.Preset ?? Presets.Default;
        var shape = Presets.Shapes[presetName];
        if (options.Context is int c) shape = shape with { ContextLength = c };
        var peak = options.LearningRate ?? DefaultLearningRate;
        var plan = new TrainingPlan(options.PlanKind ?? PlanKind.Epochs, options.PlanAmount ?? 1, 0, 0);
        return new TrainingState
        {
            TextFile = Path.GetFileName(Corpus.Path),
            TextSha256 = Corpus.Sha256,
            TextCharacters = Corpus.Tokens.Length,
            TextBytes = Corpus.Bytes,
            Name = options.Name ?? Path.GetFileNameWithoutExtension(output),
            Preset = presetName,
            Shape = shape,
            Seed = options.Seed ?? 1,
            PeakLearningRate = peak,
            MinLearningRate = peak * MinLearningRateFraction,
            // Short step/epoch plans warm up for a tenth of their steps at most.
            WarmupSteps = plan.Kind == PlanKind.Steps ? (int)Math.Clamp(plan.Amount / 10, 1, DefaultWarmupSteps) : DefaultWarmupSteps,
            Plan = plan,
            ValidationShare = options.ValidationShare ?? TrainingData.ValidationFraction,
        };
    }

    TrainingState ResumedState(string path)
    {
        var s = TrainingState.FromCheckpoint(path);
        if (s.TextSha256 != Corpus.Sha256)
            throw new TrainingInputException($"--resume: the checkpoint was trained on a different text ({s.TextFile}, {s.TextCharacters:N0} characters); resume with the same --text.");
        if (options.Preset is { } p && p != s.Preset) throw new ResumeOptionsException($"--preset {p} differs from the checkpoint's preset {s.Preset}; leave it out when resuming.");
        if (options.Context is { } c && c != s.Shape.ContextLength) throw new ResumeOptionsException($"--context {c} differs from the checkpoint's context {s.Shape.ContextLength}; leave it out when resuming.");
        if (options.Seed is { } seed && seed != s.Seed) throw new ResumeOptionsException($"--seed {seed} differs from the checkpoint's seed {s.Seed}; leave it out when resuming.");
        if (options.ValidationShare is { } share && Math.Abs(share - s.ValidationShare) > 1e-9)
            throw new ResumeOptionsException($"--validation-share {share} differs from the checkpoint's {s.ValidationShare}; leave it out when resuming.");
        if (options.Name is { } name) s.Name = name;
        if (options.LearningRate is { } lr)
        {
            s.PeakLearningRate = lr;
            s.MinLearningRate = lr * MinLearningRateFraction;
        }
        if (options.PlanKind is { } kind)
        {
            // More training from here: a new warm-up and cosine cycle over the new amount.
            s.Plan = new TrainingPlan(kind, options.PlanAmount ?? 1, s.Step, s.TrainedSeconds);
        }
        return s;
    }

    static void CheckOutputWritable(string output)
    {
        if (Directory.Exists(output)) throw new TrainingInputException($"--out: '{output}' is a folder; give a file name such as models/my-gpt.gguf.");
        var dir = Path.GetDirectoryName(output)!;
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".{Path.GetFileName(output)}.{Environment.ProcessId}.probe");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new TrainingInputException($"--out: cannot write to '{dir}': {e.Message}");
        }
    }
}
