namespace CustomGpt.ModelApi.Client;

/// <summary>One item of <see cref="ModelApiClient.ChatStreamAsync"/>: reply deltas, then either
/// <see cref="Done"/> with the stats and the history, or <see cref="Failed"/>; nothing follows those two.</summary>
public abstract record ChatStreamItem
{
    ChatStreamItem() { }

    /// <summary>The next piece of the reply (whole characters).</summary>
    public sealed record Delta(string Text) : ChatStreamItem;

    /// <summary>The reply ended normally: the whole reply, the history to send next turn, usage and timings.</summary>
    public sealed record Done(ChatDone Stats) : ChatStreamItem;

    /// <summary>The reply could not start or could not go on.</summary>
    public sealed record Failed(ApiFailure Failure) : ChatStreamItem;
}
