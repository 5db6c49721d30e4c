namespace CustomGpt.ModelApi.Client;

// POST /chat: the next turn of a conversation, whole or streamed.
public sealed partial class ModelApiClient
{
    /// <summary>POST /chat and wait for the whole reply; send its <see cref="ChatResponse.ConversationHistory"/> with the next turn.</summary>
    public Task<ApiResult<ChatResponse>> ChatAsync(ChatRequest request, CancellationToken ct = default) =>
        SendAsync((key, t) => api.ChatAsync(request with { Stream = false }, key, t), options.Timeout, ct);

    /// <summary>
    /// POST /chat with "stream": true. Yields <see cref="ChatStreamItem.Delta"/>s as the reply is generated,
    /// then exactly one <see cref="ChatStreamItem.Done"/> or <see cref="ChatStreamItem.Failed"/>.
    /// Cancelling <paramref name="ct"/> closes the connection, which stops the reply on the server.
    /// </summary>
    public IAsyncEnumerable<ChatStreamItem> ChatStreamAsync(ChatRequest request, CancellationToken ct = default) =>
        StreamAsync((key, t) => api.ChatStreamAsync(request with { Stream = true }, key, t), ChatItems, ct);

    static readonly StreamItems<ChatStreamItem, ChatDone> ChatItems =
        new(text => new ChatStreamItem.Delta(text), done => new ChatStreamItem.Done(done), failure => new ChatStreamItem.Failed(failure),
            ModelApiJsonContext.Default.ChatDone);
}
