using CustomGpt.Dashboard.Components.Parameters;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>What the user sets for the conversation: the system prompt and the parameters that matter for chat.</summary>
public sealed class ChatSettings : ISeedAndTemperature
{
    public const int MinMaxTokens = 1, MaxMaxTokens = 16384;

    /// <summary>Empty: the server's DEFAULT_SYSTEM_PROMPT, if it has one.</summary>
    public string SystemPrompt { get; set => field = value ?? ""; } = ""; // an emptied text field gives null
    public bool RandomSeed { get; set; } = true;
    public long Seed { get; set; } = 42;
    public double Temperature { get; set; } = GenerationLimits.DefaultTemperature;
    /// <summary>Null: the reply runs to the end of its turn, within the context.</summary>
    public int? MaxTokens { get; set; } = 256;

    public ChatRequest ToRequest(string userPrompt, IReadOnlyList<ChatTurn> history) => new()
    {
        UserPrompt = userPrompt,
        ConversationHistory = history,
        SystemPrompt = string.IsNullOrWhiteSpace(SystemPrompt) ? null : SystemPrompt,
        Seed = RandomSeed ? null : Seed,
        Temperature = Temperature,
        MaxTokens = MaxTokens,
    };
}
