namespace CustomGpt.ModelApi.Contracts;

// POST /chat: one turn of a conversation, the shape the original chat front end sends.

/// <summary>The user's next message, the conversation so far and /generate's sampling fields.
/// <see cref="SamplingRequest.MaxTokens"/> absent: the reply runs to the end of its turn, within the context.</summary>
public sealed record ChatRequest : SamplingRequest
{
    /// <summary>Required: what the user says now.</summary>
    public string? UserPrompt { get; init; }
    /// <summary>Earlier turns, oldest first; send back what the last response returned.</summary>
    public IReadOnlyList<ChatTurn>? ConversationHistory { get; init; }
    /// <summary>Absent: DEFAULT_SYSTEM_PROMPT when the server has one. Not used when the history starts with a system turn.</summary>
    public string? SystemPrompt { get; init; }
}

/// <summary>One message of a conversation: role system, user, assistant (or tool) and its text.</summary>
public sealed record ChatTurn(string? Role, string? Content);

/// <summary>The reply, and the history with this user turn and the reply appended.</summary>
public sealed record ChatResponse(string Response, IReadOnlyList<ChatTurn> ConversationHistory, string FinishReason, Usage Usage, Timings Timings, long Seed);

/// <summary>Stream event "done" of /chat: as /generate's, plus the history to send with the next turn.</summary>
public sealed record ChatDone(long Seed, string FinishReason, Usage Usage, Timings Timings, string Response, IReadOnlyList<ChatTurn> ConversationHistory);
