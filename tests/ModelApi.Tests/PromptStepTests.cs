using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// How a long prompt shares decode steps: alone it takes all the batch's room (few, full steps, as llama-server
/// does); beside a streaming request it advances by at most <see cref="GenerationScheduler.PromptChunkBesideStreams"/>
/// tokens a step, so the stream is not held back until the whole prompt is decoded.
/// </summary>
public class PromptStepTests
{
    const int BatchSize = 512;

    // About 1,000 tokens: one per character in the test model.
    static readonly string LongPrompt = string.Concat(Enumerable.Repeat("the quick brown fox jumps over a lazy dog. ", 23));

    [Fact]
    public async Task A_long_prompt_takes_full_steps_alone_and_small_ones_beside_a_stream()
    {
        using var api = await new ApiServer(TestModels.LongContext, settings:
            [("PARALLEL", "2"), ("CONTEXT_SIZE", "4096"), ("BATCH_SIZE", BatchSize.ToString()), ("PROMPT_CACHE", "false")]).ReadyAsync();
        var scheduler = api.Host.Status.Scheduler!;
        // Runs on the scheduler thread before each step: counts the steps that find this many requests decoding.
        // A request admitted in one step and done in its n-th is seen decoding by the n - 1 steps in between.
        int expected = 0, seen = 0;
        scheduler.BeforeStep = () => { if (scheduler.Active == Volatile.Read(ref expected)) Interlocked.Increment(ref seen); };

        Volatile.Write(ref expected, 1);
        var alone = await api.Http.GenerateAsync(new { prompt = LongPrompt, seed = 1, max_tokens = 1 });
        var promptTokens = alone.Usage.PromptTokens;
        Assert.InRange(promptTokens, 900, 1100);
        Assert.Equal(Steps(promptTokens, BatchSize), Volatile.Read(ref seen) + 1);

        using var http = new HttpClient { BaseAddress = api.Http.BaseAddress };
        using var running = await http.StartStreamAsync(new { seed = 1, max_tokens = 3000, ignore_eos = true });
        await using var events = running.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync()); // one lane streams
        Interlocked.Exchange(ref seen, 0);
        Volatile.Write(ref expected, 2);
        var beside = await api.Http.GenerateAsync(new { prompt = LongPrompt, seed = 1, max_tokens = 1 });
        Assert.Equal(promptTokens, beside.Usage.PromptTokens);
        Assert.Equal(Steps(promptTokens, GenerationScheduler.PromptChunkBesideStreams), Volatile.Read(ref seen) + 1);
        scheduler.BeforeStep = null;
    }

    static int Steps(int tokens, int perStep) => (tokens + perStep - 1) / perStep;
}
