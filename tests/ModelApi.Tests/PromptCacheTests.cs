using CustomGpt.ModelApi.Generation;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// Prompt caching: a lane keeps its tokens after a request, and a later prompt with the same beginning
/// decodes only the rest. The output must be exactly what a server without the cache gives.
/// </summary>
public class PromptCacheTests
{
    // Flash attention changes how much of a cached prompt is decoded again (GenerationScheduler.FlashAttentionTile):
    // the tests that count reused tokens exactly turn it off, those that compare replies run both ways.
    static ApiServer Server(bool cache, int parallel = 1, string flashAttention = "auto") =>
        new(TestModels.Chat, settings: [("PROMPT_CACHE", cache ? "true" : "false"), ("PARALLEL", parallel.ToString()), ("FLASH_ATTENTION", flashAttention)]);

    static ChatRequest Turn(string user, IReadOnlyList<ChatTurn>? history = null, long seed = 3) =>
        new() { UserPrompt = user, ConversationHistory = history, Seed = seed, MaxTokens = 16 };

    // One token per character in the test model: the cached beginning and the new tail are decoded in other
    // batches than the whole prompt on a server without the cache, and must give the same cells.
    const string Sentence = "the quick brown fox jumps over a lazy dog. the quick brown fox jumps over a lazy dog. ";

    [Fact]
    public async Task The_next_turn_reuses_the_conversation_and_gives_the_same_text_as_without_reuse()
    {
        using var cached = await Server(cache: true, flashAttention: "off").ReadyAsync();
        using var fresh = await Server(cache: false, flashAttention: "off").ReadyAsync();

        var first = await ChatTests.ChatAsync(cached.Http, Turn(Sentence));
        Assert.Equal(0, first.Usage.CachedTokens);
        var second = await ChatTests.ChatAsync(cached.Http, Turn("a lazy dog", first.ConversationHistory));
        Assert.True(second.Usage.CachedTokens >= first.Usage.PromptTokens, $"{second.Usage.CachedTokens} of {second.Usage.PromptTokens} reused");

        var uncached = await ChatTests.ChatAsync(fresh.Http, Turn("a lazy dog", first.ConversationHistory));
        Assert.Equal(0, uncached.Usage.CachedTokens);
        Assert.Equal(uncached.Response, second.Response);
        Assert.Equal(uncached.Usage.PromptTokens, second.Usage.PromptTokens);

        // The same prompt again: all but its last token come from the cache, and the text is the same.
        var again = await cached.Http.GenerateAsync(new { prompt = Sentence, seed = 4, max_tokens = 20 });
        var repeat = await cached.Http.GenerateAsync(new { prompt = Sentence, seed = 4, max_tokens = 20 });
        Assert.Equal(again.GeneratedText, repeat.GeneratedText);
        Assert.Equal(repeat.Usage.PromptTokens - 1, repeat.Usage.CachedTokens);

        // OpenAI's field, and the counter.
        using var v1 = await cached.Http.PostJsonAsync("/v1/completions", JsonSerializer.Serialize(new { prompt = Sentence, seed = 4, max_tokens = 20 }));
        using var body = JsonDocument.Parse(await v1.Content.ReadAsStringAsync());
        Assert.Equal(again.GeneratedText, body.RootElement.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(repeat.Usage.CachedTokens, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        var metrics = await cached.Http.GetStringAsync("/metrics");
        Assert.True(Metrics.Value(metrics, "customgpt_prompt_tokens_reused_total") > 0, "prompt tokens reused");
    }

    // With flash attention on (the default) these prompts go in tiles of 64 rows or more, and the next turn decodes its
    // last 64 tokens again: decoded as a short tail instead, seed 5 gives another reply with the cache than without
    // (llama.cpp's attention rounds otherwise for 64 rows and more).
    [Theory]
    [InlineData(1, "off")]
    [InlineData(1, "auto")]
    [InlineData(2, "auto")]
    public async Task Across_many_seeds_a_reply_is_the_same_with_and_without_the_cache(int parallel, string flashAttention)
    {
        using var cached = await Server(cache: true, parallel, flashAttention).ReadyAsync();
        using var fresh = await Server(cache: false, parallel, flashAttention).ReadyAsync();
        // Sampled with a seed: a cell that differed in its last bits would change some of these replies.
        for (var seed = 1; seed <= 40; seed++)
        {
            var first = await ChatTests.ChatAsync(cached.Http, Turn(Sentence + seed, seed: seed));
            var next = Turn("a lazy dog jumps over", first.ConversationHistory, seed) with { MaxTokens = 24 };
            var reused = await ChatTests.ChatAsync(cached.Http, next);
            var decoded = await ChatTests.ChatAsync(fresh.Http, next);
            Assert.True(reused.Usage.CachedTokens > 0, $"seed {seed}: nothing reused");
            Assert.True(reused.Response == decoded.Response, $"seed {seed}: '{reused.Response}' with the cache ({reused.Usage.CachedTokens} tokens reused), '{decoded.Response}' without");
        }
    }

    // With flash attention a prompt of 64 tokens or more is decoded in tiles, a shorter one row by row, and the two round
    // differently: a long prompt must not build on a short one's cells, nor a short one on a long one's.
    [Fact]
    public async Task With_flash_attention_a_long_prompt_and_a_short_one_reuse_only_cells_decoded_their_way()
    {
        using var cached = await Server(cache: true, parallel: 2).ReadyAsync();
        using var fresh = await Server(cache: false, parallel: 2).ReadyAsync();
        var shortPrompt = Sentence[..40];
        for (var seed = 1; seed <= 20; seed++)
        {
            var longPrompt = shortPrompt + seed + Sentence;
            foreach (var (before, prompt) in new[] { (shortPrompt, longPrompt), (longPrompt, shortPrompt) })
            {
                // Both lanes hold the first prompt: whichever the next one takes, it finds that prompt's cells.
                await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => cached.Http.GenerateAsync(new { prompt = before, seed, max_tokens = 4 })));
                var reused = await cached.Http.GenerateAsync(new { prompt, seed, max_tokens = 24 });
                var decoded = await fresh.Http.GenerateAsync(new { prompt, seed, max_tokens = 24 });
                Assert.True(reused.GeneratedText == decoded.GeneratedText,
                    $"seed {seed}, {prompt.Length}-character prompt after a {before.Length}-character one: '{reused.GeneratedText}' with the cache ({reused.Usage.CachedTokens} reused), '{decoded.GeneratedText}' without");
            }
        }
    }

    [Fact]
    public async Task A_different_prompt_reuses_only_the_shared_beginning()
    {
        using var cached = await Server(cache: true, flashAttention: "off").ReadyAsync();
        using var fresh = await Server(cache: false, flashAttention: "off").ReadyAsync();
        await cached.Http.GenerateAsync(new { prompt = Sentence + "the quick brown fox", seed = 1, max_tokens = 20 });

        // Shared: the sentence (more than two chunks, less than three).
        var other = await cached.Http.GenerateAsync(new { prompt = Sentence + "THE END!", seed = 2, max_tokens = 20 });
        Assert.Equal(Sentence.Length, other.Usage.CachedTokens);
        var expected = await fresh.Http.GenerateAsync(new { prompt = Sentence + "THE END!", seed = 2, max_tokens = 20 });
        Assert.Equal(expected.GeneratedText, other.GeneratedText);

        var nothingShared = await cached.Http.GenerateAsync(new { prompt = "a fox", seed = 2, max_tokens = 20 });
        Assert.Equal(0, nothingShared.Usage.CachedTokens);
        Assert.Equal((await fresh.Http.GenerateAsync(new { prompt = "a fox", seed = 2, max_tokens = 20 })).GeneratedText, nothingShared.GeneratedText);
    }

    [Fact]
    public async Task Concurrent_conversations_each_find_their_own_sequence_again()
    {
        using var cached = await Server(cache: true, parallel: 2).ReadyAsync();
        string[] openers = ["the fox. " + Sentence, "a lazy dog. " + Sentence];
        var firsts = new List<ChatResponse>();
        foreach (var opener in openers) firsts.Add(await ChatTests.ChatAsync(cached.Http, Turn(opener)));

        // Both start with the same template opening; each must still find its own sequence, while the other decodes.
        var seconds = await Task.WhenAll(firsts.Select(f => ChatTests.ChatAsync(cached.Http, Turn("THE END", f.ConversationHistory, seed: 8))));
        // Two lanes have flash attention: the last 64 tokens of these prompts are decoded again (FlashAttentionTile).
        for (var i = 0; i < openers.Length; i++)
        {
            var own = Math.Min(firsts[i].Usage.PromptTokens, seconds[i].Usage.PromptTokens - GenerationScheduler.FlashAttentionTile);
            Assert.True(seconds[i].Usage.CachedTokens >= own, $"conversation {i}: {seconds[i].Usage.CachedTokens} reused, {own} expected");
        }
        // Text equality with and without reuse is the other tests' subject: split differently, a prompt's
        // cells can differ in the last bits (llama.cpp's kernels), which at some seeds changes a sampled token.
    }
}
