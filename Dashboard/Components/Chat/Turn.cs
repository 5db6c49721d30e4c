using System.Text.Json.Serialization;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>One bubble of the conversation: what the user said, or the assistant's reply and how it went.</summary>
public sealed class Turn
{
    public const string User = "user", Assistant = "assistant";

    public string Role { get; init; } = User;
    public string Text { get; set; } = "";
    /// <summary>For a finished reply: tokens, speed and how it ended. Null while it streams, and after Stop.</summary>
    public ReplyStats? Stats { get; set; }
    /// <summary>The user pressed Stop: the reply is what came until then.</summary>
    public bool Stopped { get; set; }
    /// <summary>Why the reply broke off after some text had come (e.g. the connection was lost).</summary>
    public string? Error { get; set; }

    [JsonIgnore] public bool Running { get; set; }
    [JsonIgnore] public bool IsAssistant => Role == Assistant;

    /// <summary>"answering", "stopped", "failed", the finish reason, or "" for a user turn.</summary>
    [JsonIgnore] public string Outcome => Running ? "answering" : Stopped ? "stopped" : Error is not null ? "failed" : Stats?.FinishReason ?? "";

    // Markdown is rendered once per text, not on every render of the page.
    string? renderedFor;
    string html = "";

    [JsonIgnore]
    public string Html
    {
        get
        {
            if (!ReferenceEquals(renderedFor, Text)) (html, renderedFor) = (ReplyMarkdown.ToHtml(Text), Text);
            return html;
        }
    }
}

/// <summary>The figures shown under a reply (from the "done" event).</summary>
public sealed record ReplyStats(int PromptTokens, int CachedTokens, int CompletionTokens, double TokensPerSecond, double TtftMs, string FinishReason, long Seed)
{
    /// <summary>Prompt tokens the model had to decode; the rest came from the prompt cache.</summary>
    public int DecodedTokens => PromptTokens - CachedTokens;

    public static ReplyStats From(ChatDone done) => new(done.Usage.PromptTokens, done.Usage.CachedTokens, done.Usage.CompletionTokens,
        done.Timings.TokensPerSecond, done.Timings.TtftMs, done.FinishReason, done.Seed);
}
