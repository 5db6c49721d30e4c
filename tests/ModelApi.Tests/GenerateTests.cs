using System.Text;

namespace CustomGpt.ModelApi.Tests;

public sealed class TinyServer : IAsyncLifetime
{
    public ApiServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await new ApiServer(TestModels.Tiny).ReadyAsync();
    public Task DisposeAsync() { Server.Dispose(); return Task.CompletedTask; }
}

public class GenerateTests(TinyServer fixture) : IClassFixture<TinyServer>
{
    readonly HttpClient http = fixture.Server.Http;

    [Fact]
    public async Task The_original_request_shape_works_and_the_same_seed_gives_the_same_text()
    {
        var first = await http.GenerateAsync(new { seed = 42, temperature = 0.8, num_chars = 100, ignore_eos = true });
        var second = await http.GenerateAsync(new { seed = 42, temperature = 0.8, num_chars = 100, ignore_eos = true });
        var other = await http.GenerateAsync(new { seed = 43, temperature = 0.8, num_chars = 100, ignore_eos = true });
        Assert.Equal(first.GeneratedText, second.GeneratedText);
        Assert.NotEqual(first.GeneratedText, other.GeneratedText);
        Assert.Equal(42, first.Seed);
        Assert.Equal(FinishReasons.Length, first.FinishReason);
        Assert.Equal(1, first.Usage.PromptTokens); // the beginning-of-text token
        Assert.True(first.Usage.CompletionTokens >= 100);
        Assert.True(first.Timings.TotalMs >= first.Timings.TtftMs && first.Timings.TtftMs > 0);
        Assert.True(first.Timings.TokensPerSecond > 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(120)]
    [InlineData(500)]
    public async Task Num_chars_gives_exactly_that_many_characters(int n)
    {
        var r = await http.GenerateAsync(new { seed = 1, num_chars = n, ignore_eos = true });
        Assert.Equal(n, Api.CharCount(r.GeneratedText));
        Assert.Equal(FinishReasons.Length, r.FinishReason);
    }

    [Fact]
    public async Task Without_ignore_eos_the_text_is_exact_unless_the_model_ends_it()
    {
        var reachedLength = false;
        for (var seed = 0; seed < 6; seed++)
        {
            var r = await http.GenerateAsync(new { seed, num_chars = 300 });
            if (r.FinishReason == FinishReasons.Length) { reachedLength = true; Assert.Equal(300, Api.CharCount(r.GeneratedText)); }
            else { Assert.Equal(FinishReasons.Eos, r.FinishReason); Assert.True(Api.CharCount(r.GeneratedText) < 300); }
        }
        Assert.True(reachedLength, "no seed ran to its length");
    }

    [Fact]
    public async Task No_seed_picks_a_random_one_that_reproduces_the_text()
    {
        var random = await http.GenerateAsync(new { num_chars = 60, ignore_eos = true });
        var again = await http.GenerateAsync(new { seed = random.Seed, num_chars = 60, ignore_eos = true });
        Assert.Equal(random.GeneratedText, again.GeneratedText);
    }

    [Fact]
    public async Task Generation_ends_before_the_first_stop_sequence()
    {
        var full = (await http.GenerateAsync(new { seed = 5, num_chars = 200, ignore_eos = true })).GeneratedText;
        var stop = full.Substring(80, 3);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var stopped = await http.GenerateAsync(new { seed = 5, num_chars = 200, ignore_eos = true, stop = new[] { "never-appears", stop } });
        Assert.Equal(expected, stopped.GeneratedText);
        Assert.Equal(FinishReasons.Stop, stopped.FinishReason);

        var streamed = await StreamAsync(new { seed = 5, num_chars = 200, ignore_eos = true, stop = new[] { stop } });
        Assert.Equal(expected, string.Concat(streamed.Deltas));
        Assert.Equal(FinishReasons.Stop, streamed.Done.FinishReason);
    }

    [Fact]
    public async Task Max_tokens_limits_the_output()
    {
        var r = await http.GenerateAsync(new { seed = 2, max_tokens = 17, ignore_eos = true });
        Assert.Equal(17, r.Usage.CompletionTokens);
        Assert.Equal(FinishReasons.Length, r.FinishReason);
    }

    [Fact]
    public async Task A_prompt_is_continued_and_counted()
    {
        var r = await http.GenerateAsync(new { prompt = "the quick brown fox", seed = 3, num_chars = 30, ignore_eos = true });
        Assert.Equal(19, r.Usage.PromptTokens);
        Assert.Equal(30, Api.CharCount(r.GeneratedText));
    }

    [Fact]
    public async Task Streaming_sends_deltas_then_one_done_event_with_the_same_text_as_without_streaming()
    {
        var request = new { seed = 9, num_chars = 150, temperature = 1.0, ignore_eos = true };
        var plain = await http.GenerateAsync(request);
        var streamed = await StreamAsync(request with { });

        Assert.True(streamed.Deltas.Count > 1);
        Assert.All(streamed.Deltas, d => Assert.NotEmpty(d));
        Assert.Equal(plain.GeneratedText, string.Concat(streamed.Deltas));
        Assert.Equal("done", streamed.Events[^1]);
        Assert.Equal(1, streamed.Events.Count(e => e == "done"));
        Assert.All(streamed.Events.SkipLast(1), e => Assert.Equal("delta", e));
        Assert.Equal(plain.Usage, streamed.Done.Usage);
        Assert.Equal(9, streamed.Done.Seed);
    }

    [Fact]
    public async Task Stream_true_in_the_body_streams_without_an_accept_header()
    {
        using var response = await http.PostJsonAsync("/generate", """{"seed":1,"num_chars":20,"stream":true,"ignore_eos":true}""");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<string>();
        await foreach (var (name, _) in response.ReadEventsAsync()) events.Add(name);
        Assert.Equal("done", events[^1]);
    }

    [Fact]
    public async Task Tokenize_returns_the_prompt_tokens()
    {
        using var response = await http.PostJsonAsync("/tokenize", """{"text":"lazy dog"}""");
        var body = Api.Parse<TokenizeResponse>(await response.Content.ReadAsStringAsync());
        Assert.Equal(8, body.Count);
        Assert.Equal(body.Count, body.Tokens.Count);
    }

    async Task<(List<string> Events, List<string> Deltas, GenerateDone Done)> StreamAsync(object request)
    {
        using var response = await http.StartStreamAsync(request);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<string>();
        var deltas = new List<string>();
        GenerateDone? done = null;
        await foreach (var (name, data) in response.ReadEventsAsync())
        {
            events.Add(name);
            if (name == "delta") deltas.Add(Api.Parse<GenerateDelta>(data).Text);
            if (name == "done") done = Api.Parse<GenerateDone>(data);
        }
        return (events, deltas, done ?? throw new Xunit.Sdk.XunitException("no done event"));
    }
}

public class Utf8Tests
{
    [Fact]
    public async Task Multi_byte_characters_are_whole_counted_once_and_identical_streamed_or_not()
    {
        using var server = await new ApiServer(TestModels.Wide).ReadyAsync();
        var request = new { prompt = "日本語🙂", seed = 4, num_chars = 200, temperature = 1.2, ignore_eos = true };

        using var response = await server.Http.PostJsonAsync("/generate", System.Text.Json.JsonSerializer.Serialize(request));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var plain = Api.Parse<GenerateResponse>(strict.GetString(bytes)); // throws on any invalid byte
        Assert.Equal(200, Api.CharCount(plain.GeneratedText));
        Assert.Contains(plain.GeneratedText, c => c > 0x7F); // the model's own characters are multi-byte

        using var stream = await server.Http.StartStreamAsync(request);
        var deltas = new List<string>();
        await foreach (var (name, data) in stream.ReadEventsAsync())
            if (name == "delta") deltas.Add(Api.Parse<GenerateDelta>(data).Text);
        Assert.All(deltas, d => Assert.False(char.IsHighSurrogate(d[^1]) || char.IsLowSurrogate(d[0]), "a delta split a character"));
        Assert.Equal(plain.GeneratedText, string.Concat(deltas));
    }
}
