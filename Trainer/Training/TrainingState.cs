using System.Text.Json;
using System.Text.Json.Serialization;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Training;

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
    /// <summary>The share of the text held out for validation; kept so a resume splits the text the same way.</summary>
    public double ValidationShare { get; set; } = TrainingData.ValidationFraction;

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
