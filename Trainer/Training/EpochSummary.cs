namespace CustomGpt.Trainer.Training;

/// <summary>One finished epoch: its mean training loss and the validation loss at its end.</summary>
public sealed record EpochSummary(int Epoch, long Steps, double TrainLoss, double? ValidationLoss, double Seconds, double Fraction);
