using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// One event of a run as a JSON line (<c>--progress json</c>), for a program that runs the trainer as a child
/// process (ModelApi's fine-tuning jobs): start, progress (loss, validation loss, speed, time left),
/// checkpoint, sample, done. Human-readable lines never start with "{", so a reader tells them apart.
/// </summary>
public sealed record ProgressLine
{
    public const string Start = "start", Progress = "progress", Checkpointed = "checkpoint", Sample = "sample", Done = "done";

    public required string Event { get; init; }
    public long? Step { get; init; }
    public long? TotalSteps { get; init; }
    public int? Epoch { get; init; }
    public double? Loss { get; init; }
    public double? ValidationLoss { get; init; }
    public double? LearningRate { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? ElapsedSeconds { get; init; }
    public double? SecondsLeft { get; init; }
    /// <summary>Characters (tokens) trained so far.</summary>
    public long? Tokens { get; init; }
    public long? Parameters { get; init; }
    public string? Prompt { get; init; }
    public string? Text { get; init; }
    public bool? Interrupted { get; init; }
    public string? Message { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The event on this line, or null for a human-readable line (or anything that is not one of ours).</summary>
    public static ProgressLine? Parse(string line)
    {
        if (!line.StartsWith("{\"event\":", StringComparison.Ordinal)) return null;
        try
        {
            return JsonSerializer.Deserialize<ProgressLine>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
