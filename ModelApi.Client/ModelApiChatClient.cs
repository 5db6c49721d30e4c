using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AI = Microsoft.Extensions.AI;

namespace CustomGpt.ModelApi.Client;

/// <summary>
/// ModelApi as a Microsoft.Extensions.AI <see cref="IChatClient"/>, over <see cref="ModelApiClient"/>'s POST /chat:
/// a .NET app (or Semantic Kernel) talks to CustomGpt through the abstraction the ecosystem uses. The last message
/// is the user's turn; earlier messages are the history; <see cref="ChatOptions.Instructions"/> and leading system
/// messages are the system prompt. Temperature, max output tokens, seed, stop sequences, top-p and top-k are mapped
/// (and "min_p", "repeat_penalty" from <see cref="ChatOptions.AdditionalProperties"/>); tools and response formats
/// are not (ModelApi has none). Failures throw <see cref="ModelApiException"/>; cancelling stops the reply on the server.
/// </summary>
public sealed class ModelApiChatClient(ModelApiClient client) : IChatClient
{
    public const string ProviderName = "customgpt";

    public async Task<AI.ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await client.ChatAsync(ChatRequestFrom(messages, options), cancellationToken);
        if (!result.Succeeded) throw new ModelApiException(result.Failure);
        var reply = result.Value;
        return new AI.ChatResponse(new ChatMessage(ChatRole.Assistant, reply.Response) { RawRepresentation = reply })
        {
            FinishReason = FinishReasonOf(reply.FinishReason),
            Usage = UsageOf(reply.Usage),
            CreatedAt = DateTimeOffset.UtcNow,
            RawRepresentation = reply,
            AdditionalProperties = new() { ["seed"] = reply.Seed },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ChatRequestFrom(messages, options);
        // One id for every update, so ToChatResponse() joins them into one message.
        var id = Guid.NewGuid().ToString("N");
        await foreach (var item in client.ChatStreamAsync(request, cancellationToken))
        {
            switch (item)
            {
                case ChatStreamItem.Delta delta:
                    yield return new ChatResponseUpdate(ChatRole.Assistant, delta.Text) { ResponseId = id, MessageId = id, RawRepresentation = delta };
                    break;
                case ChatStreamItem.Done done:
                    yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(UsageOf(done.Stats.Usage))])
                    {
                        ResponseId = id,
                        MessageId = id,
                        FinishReason = FinishReasonOf(done.Stats.FinishReason),
                        CreatedAt = DateTimeOffset.UtcNow,
                        RawRepresentation = done.Stats,
                        AdditionalProperties = new() { ["seed"] = done.Stats.Seed },
                    };
                    break;
                case ChatStreamItem.Failed failed:
                    throw new ModelApiException(failed.Failure);
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return new ChatClientMetadata(ProviderName, client.Options.BaseAddress);
        if (serviceType.IsInstanceOfType(this)) return this;
        return serviceType.IsInstanceOfType(client) ? client : null;
    }

    /// <summary>Nothing to release: the HTTP connections belong to the HttpClientFactory.</summary>
    public void Dispose() { }

    /// <summary>The messages and options as one /chat turn.</summary>
    public static ChatRequest ChatRequestFrom(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var all = messages.ToList();
        if (all.Count == 0 || all[^1].Role != ChatRole.User)
            throw new ArgumentException("The last message must be the user's: ModelApi's /chat answers a user turn.", nameof(messages));
        var leadingSystem = all.TakeWhile(m => m.Role == ChatRole.System).Select(m => m.Text).ToList();
        var system = (options?.Instructions is { Length: > 0 } instructions ? [instructions, .. leadingSystem] : leadingSystem)
            .Where(t => t.Length > 0).ToList();
        var history = all.Skip(leadingSystem.Count).SkipLast(1).Select(m => new ChatTurn(m.Role.Value, m.Text)).ToList();
        return new ChatRequest
        {
            UserPrompt = all[^1].Text,
            ConversationHistory = history.Count > 0 ? history : null,
            SystemPrompt = system.Count > 0 ? string.Join("\n\n", system) : null,
            Temperature = options?.Temperature,
            MaxTokens = options?.MaxOutputTokens,
            Seed = options?.Seed,
            Stop = options?.StopSequences is { Count: > 0 } stop ? [.. stop] : null,
            TopP = options?.TopP,
            TopK = options?.TopK,
            MinP = Number(options, "min_p"),
            RepeatPenalty = Number(options, "repeat_penalty"),
        };
    }

    static double? Number(ChatOptions? options, string name) =>
        options?.AdditionalProperties?.TryGetValue(name, out double value) == true ? value : null;

    static ChatFinishReason FinishReasonOf(string reason) => reason switch
    {
        FinishReasons.Length => ChatFinishReason.Length,
        FinishReasons.Stop or FinishReasons.Eos => ChatFinishReason.Stop,
        _ => new ChatFinishReason(reason),
    };

    static UsageDetails UsageOf(Usage usage) => new()
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.PromptTokens + usage.CompletionTokens,
        CachedInputTokenCount = usage.CachedTokens,
    };
}
