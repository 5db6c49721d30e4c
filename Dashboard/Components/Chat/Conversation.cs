using System.Text.Json;

namespace CustomGpt.Dashboard.Components.Chat;

/// <summary>The conversation on the Chat page and its settings: what is kept for the browser session.</summary>
public sealed class Conversation
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Whose conversation it is (the signed-in name): another person in the same tab starts afresh.</summary>
    public string Owner { get; set; } = "";
    public List<Turn> Turns { get; set; } = [];
    public ChatSettings Settings { get; set; } = new();

    /// <summary>What the API is sent as conversation_history: every turn with text, in order (a stopped reply as far as it came).</summary>
    public IReadOnlyList<ChatTurn> History() =>
        [.. Turns.Where(t => !t.Running && t.Text.Length > 0).Select(t => new ChatTurn(t.Role, t.Text))];

    public int Replies => Turns.Count(t => t.IsAssistant && !t.Running);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The stored conversation, or null when there is none, it is not readable, or it is someone else's.</summary>
    public static Conversation? FromJson(string? json, string owner)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var stored = JsonSerializer.Deserialize<Conversation>(json, Json);
            if (stored is null || stored.Owner != owner) return null;
            stored.Turns.RemoveAll(t => t is null || t.Role is not (Turn.User or Turn.Assistant));
            stored.Settings ??= new();
            return stored;
        }
        catch (JsonException)
        {
            return null; // an older or damaged copy: start afresh rather than fail the page
        }
    }
}
