namespace CustomGpt.Trainer.Training;

/// <summary>Bad training data or an unusable path: printed as "error: ...", exit code 1.</summary>
public sealed class TrainingInputException(string message) : Exception(message);
