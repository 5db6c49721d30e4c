using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// How a long prompt shares decode steps: alone it takes all the batch's room (few, full steps, as llama-server
/// does); beside a streaming request it advances by at most <see cref="GenerationScheduler.PromptChunkBesideStreams"/>
/// tokens a step, so the stream is not held back until the whole prompt is decoded. With flash attention the same holds
/// while every chunk keeps 64 rows or more (<see cref="GenerationScheduler.FlashAttentionTile"/>), and when the batch is
/// too small for that, chunks stay under 64 rows (<see cref="GenerationScheduler.FlashAttentionChunk"/>).
/// </summary>
public class PromptStepTests
{
    const int BatchSize = 512;

    // About 1,000 tokens: one per character in the test model.
    static readonly string LongPrompt = string.Concat(Enumerable.Repeat("the quick brown fox jumps over a lazy dog. ", 23));

    // With flash attention a chunk may stop short so that the 64 rows or more the rule needs stay for the last one: one step more.
    [Theory]
    [InlineData("off", 0)]
    [InlineData("on", 1)]
    public async Task A_long_prompt_takes_full_steps_alone_and_small_ones_beside_a_stream(string flashAttention, int oneMore)
    {
        using var api = await new ApiServer(TestModels.LongContext, settings:
            [("PARALLEL", "2"), ("CONTEXT_SIZE", "4096"), ("BATCH_SIZE", BatchSize.ToString()), ("PROMPT_CACHE", "false"), ("FLASH_ATTENTION", flashAttention)]).ReadyAsync();
        var (promptTokens, steps) = await StepsAloneAsync(api);
        Assert.InRange(promptTokens, 900, 1100);
        Assert.InRange(steps, Steps(promptTokens, BatchSize), Steps(promptTokens, BatchSize) + oneMore);

        using var http = new HttpClient { BaseAddress = api.Http.BaseAddress };
        using var running = await http.StartStreamAsync(new { seed = 1, max_tokens = 3000, ignore_eos = true });
        await using var events = running.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync()); // one lane streams
        var scheduler = api.Host.Status.Scheduler!;
        var seen = 0; // steps that find both requests decoding, as in StepsAloneAsync
        scheduler.BeforeStep = () => { if (scheduler.Active == 2) Interlocked.Increment(ref seen); };
        var beside = await api.Http.GenerateAsync(new { prompt = LongPrompt, seed = 1, max_tokens = 1 });
        Assert.Equal(promptTokens, beside.Usage.PromptTokens);
        var besideSteps = Volatile.Read(ref seen) + 1;
        Assert.InRange(besideSteps, Steps(promptTokens, GenerationScheduler.PromptChunkBesideStreams), Steps(promptTokens, GenerationScheduler.PromptChunkBesideStreams) + oneMore);
        scheduler.BeforeStep = null;
    }

    [Fact]
    public async Task With_flash_attention_and_a_batch_too_small_for_two_tiles_a_long_prompt_goes_in_chunks_under_the_tile()
    {
        using var api = await new ApiServer(TestModels.LongContext, settings:
            [("PARALLEL", "2"), ("CONTEXT_SIZE", "4096"), ("BATCH_SIZE", "96"), ("PROMPT_CACHE", "false"), ("FLASH_ATTENTION", "on")]).ReadyAsync();
        var (promptTokens, steps) = await StepsAloneAsync(api);
        // One step more when the last chunk would have held a single row.
        Assert.InRange(steps, Steps(promptTokens, GenerationScheduler.FlashAttentionChunk), Steps(promptTokens, GenerationScheduler.FlashAttentionChunk) + 1);
    }

    /// <summary>The long prompt on an idle server: its prompt tokens, and the steps it took.</summary>
    static async Task<(int PromptTokens, int Steps)> StepsAloneAsync(ApiServer api)
    {
        var scheduler = api.Host.Status.Scheduler!;
        // Runs on the scheduler thread before each step: counts the steps that find one request decoding. A request
        // admitted in one step and done in its n-th is seen decoding by the n - 1 steps in between.
        var seen = 0;
        scheduler.BeforeStep = () => { if (scheduler.Active == 1) Interlocked.Increment(ref seen); };
        var alone = await api.Http.GenerateAsync(new { prompt = LongPrompt, seed = 1, max_tokens = 1 });
        scheduler.BeforeStep = null;
        return (alone.Usage.PromptTokens, Volatile.Read(ref seen) + 1);
    }

    static int Steps(int tokens, int perStep) => (tokens + perStep - 1) / perStep;
}
