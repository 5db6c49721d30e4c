using System.Text.Json;
using System.Text.Json.Serialization;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>Named model shapes. Every row length is a multiple of 32 so Q8_0/Q4_0 quantization works.</summary>
public static class Presets
{
    public static readonly IReadOnlyDictionary<string, ModelShape> Shapes = new Dictionary<string, ModelShape>
    {
        // ~0.1M parameters: seconds per epoch of a small text. For tests and quick checks.
        ["tiny"] = new(64, 2, 4, 4, 192, 256),
        // ~2M parameters: the fastest to reach word-level text in the first minutes.
        ["small"] = new(192, 4, 6, 6, 576, 256),
        // ~5.3M parameters: the default model's shape (see models/README.md).
        ["medium"] = new(256, 6, 8, 8, 768, 512),
    };

    public const string Default = "medium";
}

public enum PlanKind { Epochs, Minutes, Steps }

/// <summary>How long a run (or a resumed extension of one) trains, counted from where it started.</summary>
public sealed record TrainingPlan(PlanKind Kind, double Amount, long StartStep, double StartSeconds)
{
    public string Describe() => Kind switch
    {
        PlanKind.Epochs => $"{Amount:0.##} epoch{(Amount == 1 ? "" : "s")}",
        PlanKind.Minutes => $"{Amount:0.##} minute{(Amount == 1 ? "" : "s")}",
        _ => $"{Amount:0} steps",
    };
}

/// <summary>Linear warm-up, then cosine decay from the peak to the minimum over the plan.</summary>
public sealed record LearningRateSchedule(double Peak, double Min, int WarmupSteps)
{
    /// <param name="progress">0 at the plan's start, 1 at its end.</param>
    /// <param name="stepsThisSession">Steps since this process started: a resumed run warms up again
    /// because AdamW's moments start from zero (llama.cpp does not expose them to save).</param>
    public double At(double progress, long stepsThisSession)
    {
        var p = Math.Clamp(progress, 0, 1);
        var cosine = Min + 0.5 * (Peak - Min) * (1 + Math.Cos(Math.PI * p));
        var warm = Math.Min(1.0, (stepsThisSession + 1.0) / Math.Max(1, WarmupSteps));
        return cosine * warm;
    }
}

public sealed record CurvePoint(long Step, double Seconds, double? TrainLoss, double? ValidationLoss, double LearningRate);

public sealed record EpochSummary(int Epoch, long Steps, double TrainLoss, double? ValidationLoss, double Seconds, double Fraction);

/// <summary>Everything a checkpoint needs besides the weights. Stored as JSON in the checkpoint GGUF.</summary>
public sealed class TrainingState
{
    public const string MetadataKey = "customgpt.training.state";

    public int Version { get; set; } = 1;
    public string TextFile { get; set; } = "";
    public string TextSha256 { get; set; } = "";
    public long TextCharacters { get; set; }
    public long TextBytes { get; set; }
    public string Name { get; set; } = "";
    public string Preset { get; set; } = "";
    public ModelShape Shape { get; set; } = Presets.Shapes[Presets.Default];
    public int Seed { get; set; }
    public double PeakLearningRate { get; set; }
    public double MinLearningRate { get; set; }
    public int WarmupSteps { get; set; }
    public TrainingPlan Plan { get; set; } = new(PlanKind.Epochs, 1, 0, 0);

    public long Step { get; set; }
    public int Epoch { get; set; }
    public int EpochIndex { get; set; }
    public double EpochLossSum { get; set; }
    public long EpochLossWindows { get; set; }
    /// <summary>Wall-clock seconds of the training loops (steps, validation, checkpoints).</summary>
    public double TrainedSeconds { get; set; }
    /// <summary>Seconds spent inside optimizer steps only: the basis of tokens/s.</summary>
    public double StepSeconds { get; set; }
    public long TokensTrained { get; set; }
    public int Sessions { get; set; }
    public int Threads { get; set; }
    public double? InitialValidationLoss { get; set; }
    public double? LastValidationLoss { get; set; }
    public double? LastTrainLoss { get; set; }
    public List<CurvePoint> Curve { get; set; } = [];
    public List<EpochSummary> Epochs { get; set; } = [];
    public List<string> Commands { get; set; } = [];

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads the state from a checkpoint written by the trainer; a clear error for anything else.</summary>
    public static TrainingState FromCheckpoint(string path)
    {
        if (!File.Exists(path)) throw new TrainingInputException($"--resume: checkpoint not found: {path}");
        string? json;
        try
        {
            json = GgufReader.Read(path).GetString(MetadataKey);
        }
        catch (LlamaException e)
        {
            throw new TrainingInputException($"--resume: '{path}' is not a checkpoint: {e.Message}");
        }
        if (json is null) throw new TrainingInputException($"--resume: '{path}' is a GGUF model but not a trainer checkpoint (no {MetadataKey}).");
        TrainingState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(json, Json);
        }
        catch (JsonException e)
        {
            throw new TrainingInputException($"--resume: the training state in '{path}' is unreadable: {e.Message}");
        }
        if (state is null || state.Version != 1) throw new TrainingInputException($"--resume: '{path}' has a training state this trainer does not know.");
        return state;
    }
}
