using System.Diagnostics;
using System.Globalization;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// The step loop: feeds the epoch's shuffled windows to llama.cpp's optimizer a few at a time, and
/// validates, prints progress, draws samples, closes epochs and saves checkpoints as <see cref="TrainingCadence"/>
/// says, until the plan is done or the run is cancelled. Everything it learns goes into the state.
/// </summary>
sealed class StepLoop(TrainingContext trainer, TrainingState state, TrainingData data, TrainOptions options,
    Action saveCheckpoint, Action drawSample, TextWriter log)
{
    /// <summary>Windows per llama_opt_epoch call: how often the loop checks the clock and the cancel token.</summary>
    const int ChunkWindows = 4;

    readonly Stopwatch watch = new();
    readonly long? planSteps = state.Plan.Steps(data.WindowsPerEpoch);
    readonly int[] inputs = new int[ChunkWindows * data.Window];
    readonly int[] labels = new int[ChunkWindows * data.Window];
    (int[] Inputs, int[] Labels) validation;
    double baseSeconds;
    int[]? epochStarts;
    int epochOfStarts = -1;
    // Since the last progress line: its average loss and speed.
    double pointLoss, pointSeconds;
    long pointWindows;

    double Now => watch.Elapsed.TotalSeconds;

    bool PlanDone => state.Plan.IsDone(state.Step, state.TrainedSeconds, data.WindowsPerEpoch);

    /// <summary>The state's clock counts every second of the loop (steps, validation, checkpoints).</summary>
    void Tick() => state.TrainedSeconds = baseSeconds + Now;

    /// <summary>Trains until the plan is done or <paramref name="cancel"/> fires; true when cancelled first.
    /// Ends with the validation loss of the last step measured.</summary>
    public bool Run(CancellationToken cancel)
    {
        validation = data.ValidationBatch();
        baseSeconds = state.TrainedSeconds;
        watch.Start();
        if (state.Step == 0 && state.InitialValidationLoss is null)
        {
            state.InitialValidationLoss = Validate();
            state.Curve.Add(new CurvePoint(0, 0, null, state.InitialValidationLoss, 0));
            log.WriteLine($"step 0: validation loss {state.InitialValidationLoss:F3} (random weights; ln(vocabulary) = {Math.Log(trainer.VocabSize):F3})");
            if (options.JsonProgress)
                log.WriteLine(new ProgressLine { Event = ProgressLine.Progress, Step = 0, TotalSteps = planSteps, Epoch = 1, ValidationLoss = state.InitialValidationLoss, Tokens = 0 }.ToJson());
        }
        var cadence = new TrainingCadence(options, state.Plan, planSteps, state.Step, Now);

        while (!PlanDone && !cancel.IsCancellationRequested)
        {
            Step();
            double? val = null;
            var epochDone = state.EpochIndex >= data.WindowsPerEpoch;
            var now = Now;
            if (cadence.ShouldValidate(state.Step, now, epochDone, PlanDone))
            {
                val = Validate();
                cadence.Validated(state.Step, Now);
                Tick();
            }
            if (cadence.ShouldPrint(now, validated: val is not null))
            {
                PrintProgress(val);
                cadence.Printed(Now);
            }
            if (cadence.ShouldSample(state.Step, Now, PlanDone))
            {
                drawSample();
                cadence.Sampled(state.Step, Now);
                Tick();
            }
            if (epochDone) CloseEpoch(val);
            if (cadence.ShouldCheckpoint(Now, epochDone, PlanDone))
            {
                saveCheckpoint();
                cadence.Checkpointed(Now);
                Tick();
            }
        }

        var interrupted = cancel.IsCancellationRequested && !PlanDone;
        if (interrupted) log.WriteLine($"Interrupted at step {state.Step}; saving.");
        if (state.LastValidationLoss is null || !cadence.ValidatedAt(state.Step))
        {
            Validate();
            state.Curve.Add(new CurvePoint(state.Step, state.TrainedSeconds, null, state.LastValidationLoss, trainer.LastLearningRate));
        }
        Tick();
        return interrupted;
    }

    /// <summary>One optimizer step per window of the next chunk, within the epoch and the plan.</summary>
    void Step()
    {
        if (epochOfStarts != state.Epoch)
        {
            epochStarts = data.EpochStarts(state.Seed, state.Epoch);
            epochOfStarts = state.Epoch;
        }
        var window = data.Window;
        var n = Math.Min(ChunkWindows, data.WindowsPerEpoch - state.EpochIndex);
        if (planSteps is long total) n = (int)Math.Min(n, state.Plan.StartStep + total - state.Step);
        for (var i = 0; i < n; i++)
        {
            var index = state.EpochIndex + i;
            data.FillWindow(epochStarts![index], TrainingData.StartsWithBos(state.Seed, state.Epoch, index),
                inputs.AsSpan(i * window, window), labels.AsSpan(i * window, window));
        }
        var started = Stopwatch.GetTimestamp();
        var loss = trainer.Train(inputs.AsSpan(0, n * window), labels.AsSpan(0, n * window));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (!double.IsFinite(loss)) throw new LlamaException($"The training loss became {loss} at step {state.Step}; try a lower --lr.");

        state.Step += n;
        state.EpochIndex += n;
        state.StepSeconds += seconds;
        state.TokensTrained += (long)n * window;
        state.EpochLossSum += loss * n;
        state.EpochLossWindows += n;
        state.LastTrainLoss = loss;
        pointLoss += loss * n;
        pointWindows += n;
        pointSeconds += seconds;
        Tick();
    }

    double Validate()
    {
        var loss = trainer.Evaluate(validation.Inputs, validation.Labels);
        state.LastValidationLoss = loss;
        return loss;
    }

    void CloseEpoch(double? val)
    {
        var trainLoss = state.EpochLossSum / state.EpochLossWindows;
        state.Epochs.Add(new EpochSummary(state.Epoch + 1, state.Step, trainLoss, val, state.TrainedSeconds, 1));
        log.WriteLine($"Epoch {state.Epoch + 1} done: train loss {trainLoss:F3}, validation loss {val:F3}.");
        state.Epoch++;
        state.EpochIndex = 0;
        state.EpochLossSum = 0;
        state.EpochLossWindows = 0;
    }

    void PrintProgress(double? val)
    {
        var trainLoss = pointLoss / pointWindows;
        var rate = trainer.LastLearningRate;
        state.Curve.Add(new CurvePoint(state.Step, state.TrainedSeconds, trainLoss, val, rate));
        var tokensPerSecond = pointWindows * data.Window / Math.Max(pointSeconds, 1e-9);
        var inv = CultureInfo.InvariantCulture;
        var plan = state.Plan;
        var stepText = planSteps is long t ? $"step {state.Step}/{plan.StartStep + t}" : $"step {state.Step}";
        var left = plan.SecondsLeft(state.Step, state.TrainedSeconds, data.WindowsPerEpoch);
        var epochPercent = 100.0 * state.EpochIndex / Math.Max(1, data.WindowsPerEpoch);
        log.WriteLine(string.Create(inv,
            $"{stepText}  epoch {state.Epoch + 1} ({epochPercent:F0}%)  loss {trainLoss:F3}  val {(val is double v ? v.ToString("F3", inv) : "-")}  " +
            $"lr {rate:0.00e+0}  {tokensPerSecond:N0} tok/s  elapsed {Clock(state.TrainedSeconds)}  left {Clock(Math.Max(0, left))}"));
        if (options.JsonProgress)
            log.WriteLine(new ProgressLine
            {
                Event = ProgressLine.Progress, Step = state.Step, TotalSteps = planSteps is long all ? plan.StartStep + all : null, Epoch = state.Epoch + 1,
                Loss = trainLoss, ValidationLoss = val, LearningRate = rate, TokensPerSecond = tokensPerSecond,
                ElapsedSeconds = state.TrainedSeconds, SecondsLeft = Math.Max(0, left), Tokens = state.TokensTrained,
            }.ToJson());
        (pointLoss, pointWindows, pointSeconds) = (0, 0, 0);
    }

    static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";
    }
}
