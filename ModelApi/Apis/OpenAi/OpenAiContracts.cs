using System.Text.Json;
using System.Text.Json.Serialization;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Apis.OpenAi;

// The subset of OpenAI's completions and chat completions schema that ModelApi serves, so OpenAI
// clients and SDKs work against it. Serialized with the same snake_case options as the rest.

/// <summary>What completions and chat completions have in common.</summary>
public abstract record OpenAiRequest
{
    public string? Model { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    [JsonConverter(typeof(StringOrArray))] public IReadOnlyList<string>? Stop { get; init; }
    public int? N { get; init; }
    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }

    /// <summary>The same request in ModelApi's own terms, so it meets the same checks and limits.</summary>
    public GenerateRequest ToGenerateRequest(string? prompt, int? maxTokens, IReadOnlyList<string>? stop) => new()
    {
        Prompt = prompt, MaxTokens = maxTokens, Temperature = Temperature, TopP = TopP, Seed = Seed, Stop = stop,
    };
}

public sealed record CompletionRequest : OpenAiRequest
{
    [JsonConverter(typeof(StringOrArray))] public IReadOnlyList<string>? Prompt { get; init; }
}

public sealed record ChatCompletionRequest : OpenAiRequest
{
    public IReadOnlyList<ChatMessageBody>? Messages { get; init; }
    public int? MaxCompletionTokens { get; init; }
}

public sealed record StreamOptions(bool? IncludeUsage);

public sealed record ChatMessageBody(string? Role, string? Content);

public sealed record OpenAiUsage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails);

/// <summary>cached_tokens: prompt tokens reused from an earlier request's cache (OpenAI's prompt caching field).</summary>
public sealed record PromptTokensDetails(int CachedTokens);

public sealed record CompletionChoice(int Index, string Text, string? FinishReason);

public sealed record CompletionResponse(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, OpenAiUsage? Usage);

public sealed record ChatChoice(int Index, ChatMessageBody Message, string? FinishReason);

public sealed record ChatCompletionResponse(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, OpenAiUsage Usage);

public sealed record ChatDelta(string? Role, string? Content);

public sealed record ChatChunkChoice(int Index, ChatDelta Delta, string? FinishReason);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices, OpenAiUsage? Usage);

/// <summary>OpenAI accepts "stop" and "prompt" as one string or an array of strings.</summary>
public sealed class StringOrArray : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => [reader.GetString()!],
        JsonTokenType.StartArray => JsonSerializer.Deserialize<string[]>(ref reader, options),
        _ => throw new JsonException("Expected a string or an array of strings."),
    };

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, options);
}
