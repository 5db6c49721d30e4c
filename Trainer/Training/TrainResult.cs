namespace CustomGpt.Trainer.Training;

/// <summary>What a run wrote, where it stopped, and its samples.</summary>
public sealed record TrainResult(string OutputPath, string CheckpointPath, string ReportPath, string CurvePath, TrainingState State,
    IReadOnlyList<(string Prompt, string Text)> Samples, bool Interrupted);
