namespace CustomGpt.ModelApi.Client.Tests;

public class GenerateTests(ReadyApi fixture) : IClassFixture<ReadyApi>
{
    readonly ModelApiClient client = Clients.For(fixture.Api.Address);

    [Fact]
    public async Task Health_is_ready_with_the_model_and_a_round_trip_time()
    {
        var health = await client.HealthAsync();

        Assert.True(health.Succeeded, health.ToString());
        Assert.Equal(HealthStatus.Ok, health.Value.Status);
        Assert.Equal("tiny", health.Value.Model?.Name);
        Assert.Equal(512, health.Value.Model?.ContextLength);
        Assert.True(health.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public async Task Generate_gives_exactly_the_characters_asked_for_and_the_stats()
    {
        var result = await client.GenerateAsync(Clients.Request(seed: 7, numChars: 120));

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(120, Clients.CharCount(result.Value.GeneratedText));
        Assert.Equal(7, result.Value.Seed);
        Assert.Equal(FinishReasons.Length, result.Value.FinishReason);
        Assert.True(result.Value.Usage.CompletionTokens > 0);
    }

    [Fact]
    public async Task Streaming_gives_the_same_text_as_one_answer_for_the_same_seed()
    {
        var whole = await client.GenerateAsync(Clients.Request(seed: 1234, numChars: 300));
        var (streamed, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(seed: 1234, numChars: 300)));

        Assert.True(whole.Succeeded, whole.ToString());
        var done = Assert.IsType<GenerateStreamItem.Done>(last);
        Assert.Equal(whole.Value.GeneratedText, streamed);
        Assert.Equal(300, Clients.CharCount(streamed));
        Assert.Equal(1234, done.Stats.Seed);
        Assert.Equal(FinishReasons.Length, done.Stats.FinishReason);
        Assert.Equal(whole.Value.Usage.CompletionTokens, done.Stats.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Without_a_seed_the_api_picks_one_and_reports_it_so_the_run_can_be_repeated()
    {
        var first = await client.GenerateAsync(Clients.Request(seed: 0, numChars: 80) with { Seed = null });
        Assert.True(first.Succeeded, first.ToString());

        var again = await client.GenerateAsync(Clients.Request(seed: first.Value.Seed, numChars: 80));

        Assert.True(again.Succeeded, again.ToString());
        Assert.Equal(first.Value.GeneratedText, again.Value.GeneratedText);
    }

    [Fact]
    public async Task Tokenize_counts_the_prompt_tokens()
    {
        var result = await client.TokenizeAsync("the quick brown fox");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(result.Value.Tokens.Count, result.Value.Count);
        Assert.InRange(result.Value.Count, 1, "the quick brown fox".Length);
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("top_p")]
    [InlineData("num_chars")]
    public async Task Rejected_input_names_the_field_in_words(string field)
    {
        var request = field switch
        {
            "temperature" => Clients.Request(1, 10) with { Temperature = 11 },
            "top_p" => Clients.Request(1, 10) with { TopP = 0 },
            _ => Clients.Request(1, 100_000), // more than MAX_CHARS (8192)
        };

        var result = await client.GenerateAsync(request);

        Assert.False(result.Succeeded);
        Assert.Equal(ApiFailureKind.Rejected, result.Failure.Kind);
        Assert.Equal(field, result.Failure.Field);
        Assert.Equal(400, result.Failure.StatusCode);
        Assert.Contains(field, result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains(field, result.Failure.Errors.Keys);
    }

    [Fact]
    public async Task A_rejected_stream_ends_with_one_failed_item()
    {
        var (text, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10) with { Temperature = -1 }));

        Assert.Equal("", text);
        var failed = Assert.IsType<GenerateStreamItem.Failed>(last);
        Assert.Equal(ApiFailureKind.Rejected, failed.Failure.Kind);
        Assert.Equal("temperature", failed.Failure.Field);
    }
}
