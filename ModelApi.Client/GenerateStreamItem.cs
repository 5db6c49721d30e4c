namespace CustomGpt.ModelApi.Client;

/// <summary>One item of <see cref="ModelApiClient.GenerateStreamAsync"/>: text deltas, then either
/// <see cref="Done"/> with the stats or <see cref="Failed"/>; nothing follows those two.</summary>
public abstract record GenerateStreamItem
{
    GenerateStreamItem() { }

    /// <summary>The next piece of generated text (whole characters).</summary>
    public sealed record Delta(string Text) : GenerateStreamItem;

    /// <summary>The generation ended normally: seed used, finish reason, usage and timings.</summary>
    public sealed record Done(GenerateDone Stats) : GenerateStreamItem;

    /// <summary>The generation could not start or could not go on.</summary>
    public sealed record Failed(ApiFailure Failure) : GenerateStreamItem;
}
