namespace CustomGpt.Trainer.Training;

/// <summary>One point of the loss curve; a loss is null where it was not measured.</summary>
public sealed record CurvePoint(long Step, double Seconds, double? TrainLoss, double? ValidationLoss, double LearningRate);
