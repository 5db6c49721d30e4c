namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>One ModelApi process with the ChatML test model (a chat template; context 512), shared by a test class.</summary>
public sealed class ChatModelApi : IAsyncLifetime
{
    public ModelApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await new ModelApiProcess(TestModels.Chat).ReadyAsync();

    public Task DisposeAsync()
    {
        Api.Dispose();
        return Task.CompletedTask;
    }
}

public class ChatTests(ChatModelApi fixture) : IClassFixture<ChatModelApi>
{
    readonly ModelApiClient client = Clients.For(fixture.Api.Address);

    static ChatRequest Turn(string user, IReadOnlyList<ChatTurn>? history = null, long seed = 5) =>
        new() { UserPrompt = user, ConversationHistory = history, SystemPrompt = "be brief", Seed = seed, Temperature = 0.9, MaxTokens = 24 };

    [Fact]
    public async Task Chat_answers_with_the_history_to_send_next_and_the_next_turn_reuses_the_cached_prompt()
    {
        var health = await client.HealthAsync();
        Assert.True(health.Value?.Model?.HasChatTemplate, health.ToString());

        // A first prompt of 64 tokens or more: with flash attention (the default) the next turn reuses only cells decoded
        // as its own are, in chunks of 64 rows or more (docs/api.md, Prompt cache).
        const string Opening = "the quick brown fox jumps over the lazy dog while the small cat watches";
        var first = await client.ChatAsync(Turn(Opening));

        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal(5, first.Value.Seed);
        Assert.Equal([new("user", Opening), new("assistant", first.Value.Response)], first.Value.ConversationHistory);
        Assert.True(first.Value.Usage.PromptTokens >= 64, $"{first.Value.Usage.PromptTokens} prompt tokens");
        Assert.True(first.Value.Usage.PromptTokens > 0);

        var second = await client.ChatAsync(Turn("a lazy dog", first.Value.ConversationHistory));

        Assert.True(second.Succeeded, second.ToString());
        Assert.Equal(4, second.Value.ConversationHistory.Count);
        Assert.Equal(new ChatTurn("user", "a lazy dog"), second.Value.ConversationHistory[2]);
        Assert.True(second.Value.Usage.CachedTokens > 0, $"{second.Value.Usage.CachedTokens} of {second.Value.Usage.PromptTokens} prompt tokens reused");
    }

    [Fact]
    public async Task Streaming_gives_the_same_reply_as_one_answer_and_ends_with_the_history()
    {
        var whole = await client.ChatAsync(Turn("THE END", seed: 77));
        var (streamed, last) = await ReadAllAsync(client.ChatStreamAsync(Turn("THE END", seed: 77)));

        Assert.True(whole.Succeeded, whole.ToString());
        var done = Assert.IsType<ChatStreamItem.Done>(last);
        Assert.Equal(whole.Value.Response, streamed);
        Assert.Equal(streamed, done.Stats.Response);
        Assert.Equal(whole.Value.ConversationHistory, done.Stats.ConversationHistory);
        Assert.Equal(77, done.Stats.Seed);
        Assert.Equal(whole.Value.FinishReason, done.Stats.FinishReason);
        Assert.Equal(whole.Value.Usage.CompletionTokens, done.Stats.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_bad_history_is_rejected_naming_the_turn_whole_or_streamed()
    {
        var request = Turn("hello", [new ChatTurn("wizard", "abracadabra")]);

        var whole = await client.ChatAsync(request);
        var (text, last) = await ReadAllAsync(client.ChatStreamAsync(request));

        Assert.False(whole.Succeeded);
        Assert.Equal(ApiFailureKind.Rejected, whole.Failure.Kind);
        Assert.Equal("conversation_history[0].role", whole.Failure.Field);
        Assert.Equal("", text);
        Assert.Equal("conversation_history[0].role", Assert.IsType<ChatStreamItem.Failed>(last).Failure.Field);
    }

    [Fact]
    public async Task A_missing_user_prompt_is_rejected_in_words()
    {
        var result = await client.ChatAsync(new ChatRequest { MaxTokens = 4 });

        Assert.False(result.Succeeded);
        Assert.Equal("user_prompt", result.Failure.Field);
        Assert.Contains("required", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_chat_stream_throws_to_the_caller()
    {
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in client.ChatStreamAsync(Turn("the fox") with { MaxTokens = 400 }, cts.Token))
            {
                Assert.IsType<ChatStreamItem.Delta>(item);
                await cts.CancelAsync();
            }
        });
    }

    static async Task<(string Text, ChatStreamItem Last)> ReadAllAsync(IAsyncEnumerable<ChatStreamItem> stream)
    {
        var text = new System.Text.StringBuilder();
        ChatStreamItem? last = null;
        await foreach (var item in stream)
        {
            Assert.True(last is null or ChatStreamItem.Delta, "nothing follows done or failed");
            if (item is ChatStreamItem.Delta d) text.Append(d.Text);
            last = item;
        }
        return (text.ToString(), last!);
    }
}
