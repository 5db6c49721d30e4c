namespace CustomGpt.Trainer.Training;

/// <summary>Options that do not fit the checkpoint being resumed (another preset, context or seed, or
/// no more to train). The command line reports it as it reports its own bad options: exit code 2.</summary>
public sealed class ResumeOptionsException(string message) : Exception(message);
