using System.Net;
using System.Text;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>The tiny model with the smallest context llama.cpp gives (256 positions): a few thousand
/// characters move the window many times.</summary>
public sealed class SmallContextServer : IAsyncLifetime
{
    public const int MaxChars = 20000;
    public ApiServer Server { get; private set; } = null!;
    /// <summary>Positions per request, as the server reports them.</summary>
    public int Context { get; private set; }
    public async Task InitializeAsync()
    {
        Server = await new ApiServer(TestModels.Tiny, settings: [("CONTEXT_SIZE", "64"), ("PARALLEL", "2"), ("MAX_CHARS", $"{MaxChars}")]).ReadyAsync();
        Context = Api.Parse<HealthResponse>(await Server.Http.GetStringAsync("/health")).Model!.ContextLength;
    }
    public Task DisposeAsync() { Server.Dispose(); return Task.CompletedTask; }
}

public class LongGenerationTests(SmallContextServer fixture) : IClassFixture<SmallContextServer>
{
    readonly HttpClient http = fixture.Server.Http;

    [Fact]
    public async Task A_text_many_times_longer_than_the_context_has_the_exact_length_and_says_how_often_the_window_moved()
    {
        var length = 10 * fixture.Context;
        var response = await http.GenerateAsync(new { seed = 5, num_chars = length, ignore_eos = true });

        Assert.Equal(length, Api.CharCount(response.GeneratedText));
        Assert.Equal(FinishReasons.Length, response.FinishReason);
        // Each shift frees about half the context: ten contexts of text need about twenty of them.
        Assert.InRange(response.Timings.ContextShifts, 15, 25);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("customgpt_context_shifts_total ", metrics);
    }

    [Fact]
    public async Task Past_the_context_the_same_seed_gives_the_same_text_as_json_and_as_a_stream()
    {
        var request = new { seed = 11, prompt = "the fox", num_chars = 3 * fixture.Context, ignore_eos = true };
        var first = await http.GenerateAsync(request);
        var second = await http.GenerateAsync(request);
        Assert.Equal(first.GeneratedText, second.GeneratedText);

        using var stream = await http.StartStreamAsync(request);
        var streamed = new StringBuilder();
        GenerateDone? done = null;
        await foreach (var (name, data) in stream.ReadEventsAsync())
        {
            if (name == "delta") streamed.Append(Api.Parse<GenerateDelta>(data).Text);
            else if (name == "done") done = Api.Parse<GenerateDone>(data);
        }
        Assert.Equal(first.GeneratedText, streamed.ToString());
        Assert.Equal(first.Timings.ContextShifts, done!.Timings.ContextShifts);
        Assert.True(first.Timings.ContextShifts > 0);
    }

    [Fact]
    public async Task Keeping_the_prompt_changes_what_the_text_goes_on_from()
    {
        // Same seed and sampling: the only difference between the two is what the window keeps after it moves.
        var length = 2 * fixture.Context;
        var dropped = await http.GenerateAsync(new { seed = 3, temperature = 1.5, prompt = "a lazy dog. THE END!", num_chars = length, ignore_eos = true });
        var kept = await http.GenerateAsync(new { seed = 3, temperature = 1.5, prompt = "a lazy dog. THE END!", num_chars = length, ignore_eos = true, keep_prompt = true });

        Assert.Equal(length, Api.CharCount(kept.GeneratedText));
        Assert.True(kept.Timings.ContextShifts > 0);
        // Before the first shift both are the same; a character takes at most four (byte) tokens.
        var beforeFirstShift = (fixture.Context - dropped.Usage.PromptTokens) / 4;
        Assert.Equal(dropped.GeneratedText[..beforeFirstShift], kept.GeneratedText[..beforeFirstShift]);
        Assert.NotEqual(dropped.GeneratedText, kept.GeneratedText);
    }

    [Fact]
    public async Task A_prompt_too_long_to_keep_while_the_window_moves_is_refused_naming_keep_prompt()
    {
        var prompt = new string('a', fixture.Context * 3 / 4);
        var body = JsonSerializer.Serialize(new { prompt, num_chars = fixture.Context, keep_prompt = true });
        using var response = await http.PostJsonAsync("/generate", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("keep_prompt", problem);
        Assert.Contains($"{fixture.Context / 2} tokens", problem);

        // The same prompt is fine when the text fits beside it: nothing has to move.
        var fits = await http.GenerateAsync(new { prompt, num_chars = 10, keep_prompt = true, ignore_eos = true });
        Assert.Equal(0, fits.Timings.ContextShifts);
    }

    [Fact]
    public async Task More_than_max_chars_is_refused_with_the_servers_number()
    {
        foreach (var field in new[] { "num_chars", "max_tokens" })
        {
            using var response = await http.PostJsonAsync("/generate", $$"""{"{{field}}":{{SmallContextServer.MaxChars + 1}}}""");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadAsStringAsync();
            Assert.Contains(field, problem);
            Assert.Contains($"{SmallContextServer.MaxChars}", problem);
        }
        var health = Api.Parse<HealthResponse>(await http.GetStringAsync("/health"));
        Assert.Equal(SmallContextServer.MaxChars, health.Model!.MaxChars);
    }

    [Fact]
    public async Task A_client_that_leaves_while_the_window_moves_frees_its_lane()
    {
        var scheduler = fixture.Server.Host.Status.Scheduler!;
        var before = scheduler.Metrics.GeneratedTokens;
        using var leaving = Api.LeavingClient(http);
        using (var stream = await leaving.StartStreamAsync(new { seed = 2, num_chars = SmallContextServer.MaxChars, ignore_eos = true }))
        {
            var read = 0;
            await foreach (var (name, data) in stream.ReadEventsAsync())
            {
                Assert.Equal("delta", name);
                read += Api.CharCount(Api.Parse<GenerateDelta>(data).Text);
                if (read > 3 * fixture.Context) break; // past a few shifts
            }
        }
        await Api.EventuallyAsync(() => scheduler.Admitted == 0, "the abandoned request released its lane");
        Assert.True(scheduler.Metrics.GeneratedTokens - before < SmallContextServer.MaxChars, "generation ran on after the client left");

        var next = await http.GenerateAsync(new { seed = 2, num_chars = 200, ignore_eos = true });
        Assert.Equal(200, Api.CharCount(next.GeneratedText));
    }
}
