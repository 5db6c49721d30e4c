namespace CustomGpt.Trainer;

/// <summary>Bad command-line input: printed as it is, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
