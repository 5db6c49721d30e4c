using System.Diagnostics;
using System.Globalization;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.LlamaCpp.Training;

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
    public int Samples { get; init; } = 3;
    /// <summary>The command line, recorded in the checkpoint and the report.</summary>
    public string? CommandLine { get; init; }
}

public sealed record TrainResult(string OutputPath, string CheckpointPath, string ReportPath, string CurvePath, TrainingState State,
    IReadOnlyList<(string Prompt, string Text)> Samples, bool Interrupted);

/// <summary>
/// One <c>train</c> run: character vocabulary, a fresh (or resumed) llama model, llama.cpp's AdamW over
/// shuffled windows with warm-up and cosine decay, validation on held-out text, checkpoints, the final
/// GGUF (optionally quantized), a markdown report and a loss-curve SVG.
/// </summary>
public sealed class TrainingRun(TrainOptions options, TextWriter log)
{
    /// <summary>Windows per llama_opt_epoch call: how often the loop checks the clock and the cancel token.</summary>
    const int ChunkWindows = 4;
    public const double DefaultLearningRate = 2e-3;
    public const double MinLearningRateFraction = 0.025;
    public const int DefaultWarmupSteps = 50;

    TrainingState state = new();
    TrainingData data = null!;
    CharCorpus corpus = null!;
    long sessionStartStep;

    public static string CheckpointPathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".ckpt.gguf";
    public static string ReportPathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".report.md";
    public static string CurvePathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".loss.svg";

    public TrainResult Run(CancellationToken cancel = default)
    {
        var output = Path.GetFullPath(options.OutputPath);
        var checkpoint = CheckpointPathFor(output);
        corpus = CharCorpus.Load(options.TextPath);
        if (string.Equals(output, Path.GetFullPath(options.TextPath), StringComparison.Ordinal))
            throw new TrainingInputException("--out names the --text file itself; choose another output path.");
        CheckOutputWritable(output);
        state = options.ResumePath is null ? NewState(output) : ResumedState(options.ResumePath);
        var shape = state.Shape;
        data = new TrainingData(corpus.Tokens, corpus.LineStarts, shape.ContextLength, Vocabulary.Bos, options.ValidationWindows);
        if (options.ResumePath is not null && options.PlanKind is null && PlanDone())
            throw new UsageException($"The checkpoint finished its plan ({state.Plan.Describe()}, step {state.Step}); add --minutes, --epochs or --steps to train further.");
        state.Threads = options.Threads;
        state.Sessions++;
        if (options.CommandLine is { } cmd) state.Commands.Add(cmd);
        sessionStartStep = state.Step;

        log.WriteLine($"Text: {corpus.Path}: {corpus.Bytes:N0} bytes, {corpus.Tokens.Length:N0} characters, {corpus.Vocabulary.Count - 259} distinct " +
                      $"(vocabulary {corpus.Vocabulary.Count} tokens with <unk>, <s>, </s> and 256 byte tokens).");
        log.WriteLine($"Split: {data.TrainingTokens:N0} training characters ({data.WindowsPerEpoch:N0} windows of {shape.ContextLength} per epoch), " +
                      $"{data.ValidationTokens:N0} held out ({data.ValidationRanges.Count} pieces; {data.ValidationStarts.Count} validation windows).");

        // A fresh model starts as random weights written by our own GGUF writer.
        var initPath = output + ".init.tmp.gguf";
        string modelPath;
        if (options.ResumePath is null)
        {
            LlamaModelWriter.WriteRandom(initPath, shape, corpus.Vocabulary, state.Name, (ulong)state.Seed, GgmlType.F32);
            modelPath = initPath;
        }
        else
        {
            modelPath = Path.GetFullPath(options.ResumePath);
        }

        var schedule = new LearningRateSchedule(state.PeakLearningRate, state.MinLearningRate, state.WarmupSteps);
        var totalSteps = PlanSteps();
        var evalEvery = options.EvalEverySteps ?? (totalSteps is long t ? (int)Math.Max(1, t / 10) : int.MaxValue);
        var evalEverySeconds = state.Plan.Kind == PlanKind.Minutes ? Math.Max(60, state.Plan.Amount * 60 / 10) : double.PositiveInfinity;
        if (options.EvalEverySteps is not null) evalEverySeconds = double.PositiveInfinity;

        bool interrupted;
        TrainingContext created;
        try
        {
            created = TrainingContext.Create(modelPath, shape.ContextLength, options.Threads,
                step => (float)schedule.At(Progress(step), step - sessionStartStep), new AdamWSettings(), state.Step);
        }
        finally
        {
            if (options.ResumePath is null) File.Delete(initPath); // loaded into memory (no mmap): not needed any more
        }
        using (var trainer = created)
        {
            log.WriteLine($"Model: {shape.EmbeddingLength} wide, {shape.Layers} layers, {shape.Heads} heads, feed-forward {shape.FeedForwardLength}, " +
                          $"context {shape.ContextLength}: {trainer.ParameterCount:N0} parameters. {options.Threads} thread{(options.Threads == 1 ? "" : "s")}.");
            log.WriteLine($"Plan: {state.Plan.Describe()} from step {state.Plan.StartStep}; AdamW, learning rate {state.PeakLearningRate:0.####} " +
                          $"(warm-up {state.WarmupSteps} steps, cosine decay to {state.MinLearningRate:0.#####}).");

            var (valInputs, valLabels) = data.ValidationBatch();
            double Validate()
            {
                var loss = trainer.Evaluate(valInputs, valLabels);
                state.LastValidationLoss = loss;
                return loss;
            }

            var loop = Stopwatch.StartNew();
            var baseSeconds = state.TrainedSeconds;
            void Clock() => state.TrainedSeconds = baseSeconds + loop.Elapsed.TotalSeconds;

            if (state.Step == 0 && state.InitialValidationLoss is null)
            {
                state.InitialValidationLoss = Validate();
                state.Curve.Add(new CurvePoint(0, 0, null, state.InitialValidationLoss, 0));
                log.WriteLine($"step 0: validation loss {state.InitialValidationLoss:F3} (random weights; ln(vocabulary) = {Math.Log(corpus.Vocabulary.Count):F3})");
            }

            var lastPrint = loop.Elapsed.TotalSeconds;
            var lastCheckpoint = loop.Elapsed.TotalSeconds;
            var lastEvalSeconds = loop.Elapsed.TotalSeconds;
            var lastEvalStep = state.Step;
            double pointLoss = 0, pointSeconds = 0;
            long pointWindows = 0;
            var inputs = new int[ChunkWindows * shape.ContextLength];
            var labels = new int[inputs.Length];
            int[]? epochStarts = null;
            var epochOfStarts = -1;

            while (!PlanDone() && !cancel.IsCancellationRequested)
            {
                if (epochOfStarts != state.Epoch)
                {
                    epochStarts = data.EpochStarts(state.Seed, state.Epoch);
                    epochOfStarts = state.Epoch;
                }
                var n = Math.Min(ChunkWindows, data.WindowsPerEpoch - state.EpochIndex);
                if (totalSteps is long total) n = (int)Math.Min(n, state.Plan.StartStep + total - state.Step);
                for (var i = 0; i < n; i++)
                {
                    var index = state.EpochIndex + i;
                    data.FillWindow(epochStarts![index], TrainingData.StartsWithBos(state.Seed, state.Epoch, index),
                        inputs.AsSpan(i * shape.ContextLength, shape.ContextLength), labels.AsSpan(i * shape.ContextLength, shape.ContextLength));
                }
                var stepWatch = Stopwatch.StartNew();
                var loss = trainer.Train(inputs.AsSpan(0, n * shape.ContextLength), labels.AsSpan(0, n * shape.ContextLength));
                var seconds = stepWatch.Elapsed.TotalSeconds;
                if (!double.IsFinite(loss)) throw new LlamaException($"The training loss became {loss} at step {state.Step}; try a lower --lr.");

                state.Step += n;
                state.EpochIndex += n;
                state.StepSeconds += seconds;
                state.TokensTrained += (long)n * shape.ContextLength;
                state.EpochLossSum += loss * n;
                state.EpochLossWindows += n;
                state.LastTrainLoss = loss;
                pointLoss += loss * n;
                pointWindows += n;
                pointSeconds += seconds;
                Clock();

                double? val = null;
                var epochDone = state.EpochIndex >= data.WindowsPerEpoch;
                var now = loop.Elapsed.TotalSeconds;
                if (epochDone || state.Step - lastEvalStep >= evalEvery || now - lastEvalSeconds >= evalEverySeconds || PlanDone())
                {
                    val = Validate();
                    lastEvalStep = state.Step;
                    lastEvalSeconds = loop.Elapsed.TotalSeconds;
                    Clock();
                }
                if (val is not null || now - lastPrint >= options.ProgressSeconds)
                {
                    var trainLoss = pointLoss / pointWindows;
                    state.Curve.Add(new CurvePoint(state.Step, state.TrainedSeconds, trainLoss, val, trainer.LastLearningRate));
                    log.WriteLine(ProgressLine(trainLoss, val, trainer.LastLearningRate, pointWindows * shape.ContextLength / Math.Max(pointSeconds, 1e-9), totalSteps));
                    (pointLoss, pointWindows, pointSeconds, lastPrint) = (0, 0, 0, loop.Elapsed.TotalSeconds);
                }
                if (epochDone)
                {
                    state.Epochs.Add(new EpochSummary(state.Epoch + 1, state.Step, state.EpochLossSum / state.EpochLossWindows, val, state.TrainedSeconds, 1));
                    log.WriteLine($"Epoch {state.Epoch + 1} done: train loss {state.EpochLossSum / state.EpochLossWindows:F3}, validation loss {val:F3}.");
                    state.Epoch++;
                    state.EpochIndex = 0;
                    state.EpochLossSum = 0;
                    state.EpochLossWindows = 0;
                    if (!PlanDone())
                    {
                        SaveCheckpoint(trainer, checkpoint);
                        lastCheckpoint = loop.Elapsed.TotalSeconds;
                        Clock();
                    }
                }
                else if (loop.Elapsed.TotalSeconds - lastCheckpoint >= options.CheckpointMinutes * 60)
                {
                    SaveCheckpoint(trainer, checkpoint);
                    lastCheckpoint = loop.Elapsed.TotalSeconds;
                    Clock();
                }
            }
            interrupted = cancel.IsCancellationRequested && !PlanDone();
            if (interrupted) log.WriteLine($"Interrupted at step {state.Step}; saving.");
            if (state.LastValidationLoss is null || lastEvalStep != state.Step)
            {
                Validate();
                state.Curve.Add(new CurvePoint(state.Step, state.TrainedSeconds, null, state.LastValidationLoss, trainer.LastLearningRate));
            }
            Clock();
            SaveCheckpoint(trainer, checkpoint);
        }

        WriteFinalModel(checkpoint, output);
        var samples = MakeSamples(output);
        var report = ReportPathFor(output);
        var curve = CurvePathFor(output);
        LossCurve.Write(curve, state);
        TrainingReport.Write(report, output, curve, state, corpus, data, samples, options.Quantize);
        log.WriteLine($"Wrote {output} ({new FileInfo(output).Length / 1e6:F1} MB), checkpoint {Path.GetFileName(checkpoint)}, " +
                      $"report {Path.GetFileName(report)}, loss curve {Path.GetFileName(curve)}.");
        if (interrupted) log.WriteLine($"Resume with: train --text {options.TextPath} --out {options.OutputPath} --resume {checkpoint}");
        return new TrainResult(output, checkpoint, report, curve, state, samples, interrupted);
    }

    TrainingState NewState(string output)
    {
        var presetName = options.Preset ?? Presets.Default;
        var shape = Presets.Shapes[presetName];
        if (options.Context is int c) shape = shape with { ContextLength = c };
        var peak = options.LearningRate ?? DefaultLearningRate;
        var plan = new TrainingPlan(options.PlanKind ?? PlanKind.Epochs, options.PlanAmount ?? 1, 0, 0);
        return new TrainingState
        {
            TextFile = Path.GetFileName(corpus.Path),
            TextSha256 = corpus.Sha256,
            TextCharacters = corpus.Tokens.Length,
            TextBytes = corpus.Bytes,
            Name = options.Name ?? Path.GetFileNameWithoutExtension(output),
            Preset = presetName,
            Shape = shape,
            Seed = options.Seed ?? 1,
            PeakLearningRate = peak,
            MinLearningRate = peak * MinLearningRateFraction,
            // Short step/epoch plans warm up for a tenth of their steps at most.
            WarmupSteps = plan.Kind == PlanKind.Steps ? (int)Math.Clamp(plan.Amount / 10, 1, DefaultWarmupSteps) : DefaultWarmupSteps,
            Plan = plan,
        };
    }

    TrainingState ResumedState(string path)
    {
        var s = TrainingState.FromCheckpoint(path);
        if (s.TextSha256 != corpus.Sha256)
            throw new TrainingInputException($"--resume: the checkpoint was trained on a different text ({s.TextFile}, {s.TextCharacters:N0} characters); resume with the same --text.");
        if (options.Preset is { } p && p != s.Preset) throw new UsageException($"--preset {p} differs from the checkpoint's preset {s.Preset}; leave it out when resuming.");
        if (options.Context is { } c && c != s.Shape.ContextLength) throw new UsageException($"--context {c} differs from the checkpoint's context {s.Shape.ContextLength}; leave it out when resuming.");
        if (options.Seed is { } seed && seed != s.Seed) throw new UsageException($"--seed {seed} differs from the checkpoint's seed {s.Seed}; leave it out when resuming.");
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

    long? PlanSteps() => state.Plan.Kind switch
    {
        PlanKind.Epochs => (long)Math.Ceiling(state.Plan.Amount * data.WindowsPerEpoch),
        PlanKind.Steps => (long)state.Plan.Amount,
        _ => null,
    };

    double Progress(long step)
    {
        var plan = state.Plan;
        if (plan.Kind == PlanKind.Minutes) return (state.TrainedSeconds - plan.StartSeconds) / (plan.Amount * 60);
        var total = plan.Kind == PlanKind.Steps ? plan.Amount : plan.Amount * data.WindowsPerEpoch;
        return (step - plan.StartStep) / Math.Max(1, total);
    }

    bool PlanDone() => state.Plan.Kind switch
    {
        PlanKind.Minutes => state.TrainedSeconds - state.Plan.StartSeconds >= state.Plan.Amount * 60,
        PlanKind.Steps => state.Step - state.Plan.StartStep >= (long)state.Plan.Amount,
        _ => state.Step - state.Plan.StartStep >= (long)Math.Ceiling(state.Plan.Amount * data.WindowsPerEpoch),
    };

    string ProgressLine(double loss, double? val, float lr, double tokensPerSecond, long? totalSteps)
    {
        var inv = CultureInfo.InvariantCulture;
        var plan = state.Plan;
        var done = state.Step - plan.StartStep;
        string stepText = totalSteps is long t ? $"step {state.Step}/{plan.StartStep + t}" : $"step {state.Step}";
        double left = plan.Kind == PlanKind.Minutes
            ? plan.Amount * 60 - (state.TrainedSeconds - plan.StartSeconds)
            : (totalSteps!.Value - done) * ((state.TrainedSeconds - plan.StartSeconds) / Math.Max(1, done));
        var epochPercent = 100.0 * state.EpochIndex / Math.Max(1, data.WindowsPerEpoch);
        return string.Create(inv,
            $"{stepText}  epoch {state.Epoch + 1} ({epochPercent:F0}%)  loss {loss:F3}  val {(val is double v ? v.ToString("F3", inv) : "-")}  " +
            $"lr {lr:0.00e+0}  {tokensPerSecond:N0} tok/s  elapsed {Clock(state.TrainedSeconds)}  left {Clock(Math.Max(0, left))}");
    }

    static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";
    }

    void SaveCheckpoint(TrainingContext trainer, string checkpoint)
    {
        var raw = checkpoint + ".raw.tmp";
        try
        {
            trainer.SaveRaw(raw);
            TrainedModelWriter.Write(raw, checkpoint, state.Shape, corpus.Vocabulary, state.Name,
                new Dictionary<string, string> { [TrainingState.MetadataKey] = state.ToJson() });
        }
        finally
        {
            File.Delete(raw);
        }
        log.WriteLine($"Checkpoint: {checkpoint} (step {state.Step}).");
    }

    void WriteFinalModel(string checkpoint, string output)
    {
        // The checkpoint already has the final weights; the model is the same file minus the training state.
        var f32 = options.Quantize is null ? output : output + ".f32.tmp";
        try
        {
            TrainedModelWriter.Write(checkpoint, f32, state.Shape, corpus.Vocabulary, state.Name,
                new Dictionary<string, string>
                {
                    ["general.description"] = $"Character-level llama model trained by CustomGpt's trainer on {state.TextFile} " +
                                              $"({state.Step:N0} steps, validation loss {state.LastValidationLoss:F3} nats per character).",
                });
            if (options.Quantize is { } q)
            {
                log.WriteLine($"Quantizing to {q}...");
                ModelQuantizer.Quantize(f32, output, q, options.Threads);
            }
        }
        finally
        {
            if (options.Quantize is not null) File.Delete(f32);
        }
    }

    List<(string Prompt, string Text)> MakeSamples(string output)
    {
        var samples = new List<(string, string)>();
        if (options.Samples <= 0) return samples;
        using var model = LlamaModel.Load(output);
        var length = Math.Min(200, model.TrainedContextLength - 32);
        // From BOS alone (what an empty prompt gives in ModelApi), and the last one from a held-out line's first words.
        var heldOut = FirstWordsOfValidationLines().FirstOrDefault() ?? "";
        var prompts = Enumerable.Range(0, options.Samples).Select(i => i == options.Samples - 1 && i > 0 ? heldOut : "").ToList();
        // One thread: a one-token decode is mostly ggml's thread barriers, which crawl on a busy machine.
        for (var i = 0; i < prompts.Count; i++)
            samples.Add((prompts[i], SampleGenerator.Generate(model, prompts[i], length, seed: (uint)(42 + i), threads: 1)));
        return samples;
    }

    /// <summary>The first words of a held-out line: a prompt the model has not trained on.</summary>
    IEnumerable<string> FirstWordsOfValidationLines()
    {
        foreach (var (start, end) in data.ValidationRanges)
        {
            var line = Array.Find(corpus.LineStarts, s => s >= start && s + 40 < end);
            if (line == 0 && start > 0) continue;
            var words = corpus.Decode(corpus.Tokens.AsSpan(line, 40)).Split(' ');
            if (words.Length < 4) continue;
            yield return string.Join(' ', words.Take(3)) + " ";
        }
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
