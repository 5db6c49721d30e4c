using System.Text.Json.Nodes;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// Tokens an upstream answer used: the upstream's own count ("usage"), or, when it gave none, an estimate of four
/// characters a token (OpenAI's rule of thumb for English; the upstream's tokenizer is not here to count with), marked
/// <see cref="Estimated"/> so responses can say so.
/// </summary>
public readonly record struct UpstreamUsage(int PromptTokens, int CompletionTokens, bool Estimated)
{
    /// <summary>OpenAI's usage object, or null when there is none.</summary>
    public static UpstreamUsage? From(JsonNode? usage) =>
        usage is JsonObject u && Int(u["prompt_tokens"]) is { } prompt
            ? new UpstreamUsage(prompt, Int(u["completion_tokens"]) ?? 0, false)
            : null;

    public static UpstreamUsage Estimate(string prompt, string completion) => new(Tokens(prompt), Tokens(completion), true);

    /// <summary>OpenAI's usage object; an estimate carries "estimated": true (docs/upstreams.md).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = CompletionTokens, ["total_tokens"] = PromptTokens + CompletionTokens };
        if (Estimated) o["estimated"] = true;
        return o;
    }

    /// <summary>The text a request sends: its prompt, or its messages' contents (string or text parts).</summary>
    public static string PromptText(JsonObject body)
    {
        if (body["prompt"] is { } prompt) return prompt is JsonArray a ? string.Concat(a.Select(p => p?.ToString())) : prompt.ToString();
        if (body["messages"] is not JsonArray messages) return "";
        var text = new System.Text.StringBuilder();
        foreach (var m in messages.OfType<JsonObject>())
        {
            text.Append(m["role"]?.ToString()).Append(": ");
            if (m["content"] is JsonArray parts) foreach (var p in parts.OfType<JsonObject>()) text.Append(p["text"]?.ToString());
            else text.Append(m["content"]?.ToString());
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The text of an answer's choices: chat message contents, or completion texts.</summary>
    public static string AnswerText(JsonNode? answer) => answer?["choices"] is JsonArray choices
        ? string.Concat(choices.Select(c => c?["message"]?["content"]?.ToString() ?? c?["delta"]?["content"]?.ToString() ?? c?["text"]?.ToString()))
        : "";

    static int Tokens(string text) => (text.Length + 3) / 4;

    static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
}
