using System.Text.Json;

namespace CustomGpt.ModelApi.Contracts;

// Training from your own text (#23), in the shapes of OpenAI's Files and Fine-tuning APIs so its SDKs drive it.
// Fields OpenAI has no name for (minutes, preset, context, quantize, validation_share, progress) are this project's.

/// <summary>A file: an uploaded training text (purpose "fine-tune") or a job's result (purpose "fine-tune-results").</summary>
public sealed record FileObject(string Id, long Bytes, long CreatedAt, string Filename, string Purpose, string Status = "processed")
{
    public string Object { get; init; } = "file";
    /// <summary>Characters in a training text (one token each for the trainer).</summary>
    public long? Characters { get; init; }
}

public sealed record FileList(IReadOnlyList<FileObject> Data, bool HasMore = false)
{
    public string Object { get; init; } = "list";
}

public sealed record FileDeleted(string Id, bool Deleted)
{
    public string Object { get; init; } = "file";
}

/// <summary>OpenAI's hyperparameters; n_epochs is a number or "auto" (one epoch).</summary>
public sealed record FineTuningHyperparameters(JsonElement? NEpochs = null);

/// <summary>POST /v1/fine_tuning/jobs. <see cref="Model"/>: a preset (custom-gpt-tiny|small|medium) for a new model, or a
/// fine-tuned model to train further on the same text. Give <see cref="Minutes"/> or n_epochs, not both.</summary>
public sealed record FineTuningJobRequest
{
    public string? TrainingFile { get; init; }
    public string? Model { get; init; }
    public string? Suffix { get; init; }
    public int? Seed { get; init; }
    public FineTuningHyperparameters? Hyperparameters { get; init; }
    public double? Minutes { get; init; }
    public string? Preset { get; init; }
    public int? Context { get; init; }
    public string? Quantize { get; init; }
    public double? ValidationShare { get; init; }
}

public sealed record FineTuningError(string Code, string Message, string? Param = null);

/// <summary>Where a running job is: from the trainer's latest progress line.</summary>
public sealed record FineTuningProgress(long Step, long? TotalSteps, double? TrainLoss, double? ValidLoss, double? TokensPerSecond,
    double? ElapsedSeconds, double? SecondsLeft);

public static class FineTuningStatus
{
    public const string Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}

public sealed record FineTuningJob
{
    public required string Id { get; init; }
    public string Object { get; init; } = "fine_tuning.job";
    public required string Model { get; init; }
    public required long CreatedAt { get; init; }
    public long? FinishedAt { get; init; }
    public string? FineTunedModel { get; init; }
    public string OrganizationId { get; init; } = "org-customgpt";
    public IReadOnlyList<string> ResultFiles { get; init; } = [];
    public required string Status { get; init; }
    public required string TrainingFile { get; init; }
    public string? ValidationFile { get; init; }
    public required FineTuningHyperparameters Hyperparameters { get; init; }
    public long? TrainedTokens { get; init; }
    public FineTuningError? Error { get; init; }
    public required int Seed { get; init; }
    public string? Suffix { get; init; }
    public long? EstimatedFinish { get; init; }
    // This project's own fields.
    public required string Preset { get; init; }
    public double? Minutes { get; init; }
    public int? Context { get; init; }
    public string? Quantize { get; init; }
    public double? ValidationShare { get; init; }
    public long? Parameters { get; init; }
    public FineTuningProgress? Progress { get; init; }
    /// <summary>A cancelled or failed job whose checkpoint is kept: POST .../resume goes on from it.</summary>
    public bool Resumable { get; init; }
}

public sealed record FineTuningJobList(IReadOnlyList<FineTuningJob> Data, bool HasMore = false)
{
    public string Object { get; init; } = "list";
}

/// <summary>Metrics of one event: a progress point (step, losses, speed, time left) or a sample of generated text.</summary>
public sealed record FineTuningEventData
{
    public long? Step { get; init; }
    public long? TotalSteps { get; init; }
    public double? TrainLoss { get; init; }
    public double? ValidLoss { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? ElapsedSeconds { get; init; }
    public double? SecondsLeft { get; init; }
    public long? Tokens { get; init; }
    public string? Prompt { get; init; }
    public string? Sample { get; init; }
}

/// <summary>One event of a job; type "metrics" carries a progress point, "message" anything else (a sample in data.sample).</summary>
public sealed record FineTuningEvent(string Id, long CreatedAt, string Level, string Message, string Type, FineTuningEventData? Data = null)
{
    public string Object { get; init; } = "fine_tuning.job.event";
}

/// <summary>Newest first, as OpenAI lists them.</summary>
public sealed record FineTuningEventList(IReadOnlyList<FineTuningEvent> Data, bool HasMore = false)
{
    public string Object { get; init; } = "list";
}
