namespace CustomGpt.ModelApi.Training;

/// <summary>OpenAI's file purposes that mean something here.</summary>
static class FilePurposes
{
    /// <summary>A training text, uploaded.</summary>
    public const string FineTune = "fine-tune";
    /// <summary>What a job made: its report, loss curve and model.</summary>
    public const string Results = "fine-tune-results";
}
