using System.Net.Http.Json;

namespace CustomGpt.Bench;

/// <summary>
/// A 6-turn conversation through POST /chat whose prompt grows from about 60 to about 500 tokens:
/// time to first token per turn with the prompt cache (PROMPT_CACHE=true) and without it.
/// </summary>
static class ChatTurns
{
    const int Turns = 6, ReplyTokens = 24;

    // About 60 tokens each in the benchmark model's synthetic vocabulary.
    static readonly string[] Messages =
    [
        BenchModel.Prompt,
        "Tell me more about the cat by the window and why it watches the garden every evening when the light begins to fade",
        "What would the fox do if the dog woke up and the cat jumped down from the window into the cold and quiet garden",
        "Please describe the garden in the morning when the dew is still on the grass and the birds sing in the old oak tree",
        "Now imagine that it starts to rain and everyone in the story runs for shelter under the wide roof of the red barn",
        "Finally tell me how the story ends when the sun comes out again and the fox and the dog and the cat become friends",
    ];

    public static async Task RunAsync(string modelPath, int threads, int rounds)
    {
        Console.WriteLine($"6-turn chat, {ReplyTokens}-token replies, {threads} threads, median TTFT of {rounds} conversations (ms)");
        var (withCache, repliesWith) = await MeasureAsync(modelPath, threads, rounds, cache: true);
        var (without, repliesWithout) = await MeasureAsync(modelPath, threads, rounds, cache: false);
        Console.WriteLine("| turn | prompt tokens | reused | TTFT with reuse | TTFT without reuse |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        for (var t = 0; t < Turns; t++)
            Console.WriteLine($"| {t + 1} | {withCache[t].Prompt} | {withCache[t].Cached} | {withCache[t].Ttft:F0} | {without[t].Ttft:F0} |");
        Console.WriteLine($"turn 6 / turn 1: with reuse {withCache[^1].Ttft / withCache[0].Ttft:F2}x, without {without[^1].Ttft / without[0].Ttft:F2}x");
        // Sampled at temperature 0.8 with a fixed seed: any difference in the cells would show in the text.
        Console.WriteLine($"replies identical with and without reuse: {repliesWith.Zip(repliesWithout).Count(p => p.First == p.Second)} of {repliesWith.Count}");
    }

    static async Task<((int Prompt, int Cached, double Ttft)[] Turns, List<string> Replies)> MeasureAsync(string modelPath, int threads, int rounds, bool cache)
    {
        using var served = new ServedLoop(modelPath, threads, parallel: 4, ("PROMPT_CACHE", cache ? "true" : "false"));
        // The first request after start pays for touching the weights: not part of any conversation.
        using (var warmUp = await served.Http.PostAsJsonAsync("/chat", new ChatRequest { UserPrompt = "Hello", MaxTokens = 1 }, ModelApiJson.Options))
            warmUp.EnsureSuccessStatusCode();
        var runs = new List<(int Prompt, int Cached, double Ttft)[]>();
        var replies = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            // A different first word per conversation, so no conversation starts from another's cache.
            var history = (IReadOnlyList<ChatTurn>)[];
            var turns = new (int, int, double)[Turns];
            for (var t = 0; t < Turns; t++)
            {
                var user = t == 0 ? $"Round {round + 1}. {Messages[0]}" : Messages[t];
                using var response = await served.Http.PostAsJsonAsync("/chat",
                    new ChatRequest { UserPrompt = user, ConversationHistory = history, MaxTokens = ReplyTokens, Temperature = 0.8, Seed = 1 }, ModelApiJson.Options);
                response.EnsureSuccessStatusCode();
                var reply = (await response.Content.ReadFromJsonAsync<ChatResponse>(ModelApiJson.Options))!;
                history = reply.ConversationHistory;
                replies.Add(reply.Response);
                turns[t] = (reply.Usage.PromptTokens, reply.Usage.CachedTokens, reply.Timings.TtftMs);
            }
            runs.Add(turns);
        }
        return ([.. Enumerable.Range(0, Turns).Select(t =>
        {
            var ttfts = runs.Select(r => r[t].Ttft).Order().ToArray();
            return (runs[0][t].Prompt, runs[0][t].Cached, ttfts[ttfts.Length / 2]);
        })], replies);
    }
}
