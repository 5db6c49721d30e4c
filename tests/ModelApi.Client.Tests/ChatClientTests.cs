using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>ModelApi through Microsoft.Extensions.AI's <see cref="IChatClient"/>, resolved and driven as an app does.</summary>
public sealed class ChatClientTests(ChatModelApi fixture) : IClassFixture<ChatModelApi>, IDisposable
{
    readonly ServiceProvider services = Clients.Services(fixture.Api.Address);

    IChatClient Chat => services.GetRequiredService<IChatClient>();

    static List<ChatMessage> Ask(string user) => [new(ChatRole.System, "be brief"), new(ChatRole.User, user)];

    static ChatOptions Options(long seed = 5, int maxTokens = 24) => new() { Temperature = 0.9f, Seed = seed, MaxOutputTokens = maxTokens };

    public void Dispose() => services.Dispose();

    [Fact]
    public async Task GetResponseAsync_answers_the_user_turn_with_usage_finish_reason_and_the_seed_as_the_typed_client_does()
    {
        var response = await Chat.GetResponseAsync(Ask("the fox"), Options());
        var typed = await services.GetRequiredService<ModelApiClient>().ChatAsync(
            new ChatRequest { UserPrompt = "the fox", SystemPrompt = "be brief", Temperature = 0.9, Seed = 5, MaxTokens = 24 });

        Assert.True(typed.Succeeded, typed.ToString());
        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal(typed.Value.Response, response.Text); // same seed, same options: the mapping lost nothing
        Assert.NotEmpty(response.Text);
        Assert.Equal(typed.Value.FinishReason == FinishReasons.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(typed.Value.Usage.PromptTokens, response.Usage?.InputTokenCount);
        Assert.Equal(typed.Value.Usage.CompletionTokens, response.Usage?.OutputTokenCount);
        Assert.Equal(response.Usage?.InputTokenCount + response.Usage?.OutputTokenCount, response.Usage?.TotalTokenCount);
        Assert.InRange(response.Usage?.OutputTokenCount ?? 0, 1, 24);
        Assert.Equal(5L, response.AdditionalProperties?["seed"]);
    }

    [Fact]
    public async Task Max_output_tokens_and_stop_sequences_are_honoured()
    {
        var three = await Chat.GetResponseAsync(Ask("THE END"), Options(seed: 11, maxTokens: 3));
        var whole = await Chat.GetResponseAsync(Ask("THE END"), Options(seed: 11, maxTokens: 40));
        Assert.True(whole.Text.Length >= 4, whole.Text);
        var stop = whole.Text.Substring(2, 2);
        var options = Options(seed: 11, maxTokens: 40);
        options.StopSequences = [stop];

        var stopped = await Chat.GetResponseAsync(Ask("THE END"), options);

        Assert.InRange(three.Usage?.OutputTokenCount ?? 0, 1, 3);
        Assert.Equal(whole.Text[..whole.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_streams_the_same_reply_and_ends_with_usage_and_finish_reason()
    {
        var whole = await Chat.GetResponseAsync(Ask("a lazy dog"), Options(seed: 77));
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in Chat.GetStreamingResponseAsync(Ask("a lazy dog"), Options(seed: 77)))
            updates.Add(update);
        var streamed = updates.ToChatResponse();

        Assert.True(updates.Count > 2, $"{updates.Count} updates");
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Single(streamed.Messages); // one message id: the updates are one reply
        Assert.Equal(whole.FinishReason, streamed.FinishReason);
        Assert.Equal(whole.Usage?.OutputTokenCount, streamed.Usage?.OutputTokenCount);
        Assert.Equal(whole.Usage?.InputTokenCount, streamed.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Earlier_messages_are_the_history_so_the_next_turn_reuses_the_cached_prompt()
    {
        // 64 tokens or more, so that the next turn may reuse it with flash attention on (see ChatTests).
        List<ChatMessage> conversation = Ask("the quick brown fox jumps over the lazy dog while the small cat watches");
        var first = await Chat.GetResponseAsync(conversation, Options());
        Assert.True(first.Usage?.InputTokenCount >= 64, $"{first.Usage?.InputTokenCount} prompt tokens");
        conversation.AddMessages(first);
        conversation.Add(new ChatMessage(ChatRole.User, "a lazy dog"));

        var second = await Chat.GetResponseAsync(conversation, Options());

        Assert.NotEmpty(second.Text);
        Assert.True(second.Usage?.InputTokenCount > first.Usage?.InputTokenCount, "the history is part of the prompt");
        Assert.True(second.Usage?.CachedInputTokenCount > 0, $"{second.Usage?.CachedInputTokenCount} of {second.Usage?.InputTokenCount} prompt tokens reused");
    }

    // Whether the server was still generating when the cancel arrived depends on speed (the tiny chat model writes
    // thousands of tokens a second and ends its turn within about a thousand), so this test checks what the app sees and
    // that the request ended on the server; StreamingTests shows a cancel stopping a long generation there within 500 ms.
    [Fact]
    public async Task Cancelling_a_streaming_response_throws_and_the_request_ends_on_the_server()
    {
        await fixture.Api.IdleAsync();
        async Task<long> Ended() => await fixture.Api.RequestsAsync("cancelled") + await fixture.Api.RequestsAsync("completed");
        var endedBefore = await Ended();
        using var cts = new CancellationTokenSource();
        using var already = new CancellationTokenSource();
        await already.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Chat.GetResponseAsync(Ask("the fox"), Options(), already.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Chat.GetStreamingResponseAsync(Ask("the fox"), Options(maxTokens: 400), cts.Token))
                await cts.CancelAsync();
        });

        for (var i = 0; i < 600 && await Ended() == endedBefore; i++) await Task.Delay(50); // a hang guard
        Assert.Equal(endedBefore + 1, await Ended()); // the streamed one; the already-cancelled call never reached the server
        await fixture.Api.IdleAsync();
    }

    [Fact]
    public async Task A_refused_request_throws_ModelApiException_with_the_typed_failure_whole_or_streamed()
    {
        var tooHot = new ChatOptions { Temperature = 50 };

        var whole = await Assert.ThrowsAsync<ModelApiException>(() => Chat.GetResponseAsync(Ask("the fox"), tooHot));
        var streamed = await Assert.ThrowsAsync<ModelApiException>(async () =>
        {
            await foreach (var update in Chat.GetStreamingResponseAsync(Ask("the fox"), tooHot)) { }
        });

        foreach (var e in new[] { whole, streamed })
        {
            Assert.Equal((ApiFailureKind.Rejected, "temperature"), (e.Failure.Kind, e.Failure.Field));
            Assert.Equal(e.Failure.Message, e.Message);
        }
        await Assert.ThrowsAsync<ArgumentException>(() => Chat.GetResponseAsync([new ChatMessage(ChatRole.Assistant, "hello")]));
    }

    [Fact]
    public void The_chat_client_says_what_it_is_and_hands_out_the_typed_client()
    {
        var metadata = Chat.GetService<ChatClientMetadata>();

        Assert.Equal(ModelApiChatClient.ProviderName, metadata?.ProviderName);
        Assert.Equal(fixture.Api.Address, metadata?.ProviderUri);
        Assert.NotNull(Chat.GetService<ModelApiClient>());
        Assert.IsType<ModelApiChatClient>(Chat);
    }
}
