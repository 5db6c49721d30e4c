using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Tests;

/// <summary>MODEL_MMAP, MODEL_REPACK, KV_CACHE_TYPE, FLASH_ATTENTION and THREAD_POLL: read, checked, and a server runs with each.</summary>
public class MemorySettingsTests
{
    static ModelApiSettings Settings(params (string Key, string Value)[] values) => ApiServer.ReadSettings(values);

    /// <summary>The same seed twice on one server: the same 80 characters. Returns them.</summary>
    static async Task<string> SameTextTwiceAsync(ApiServer server)
    {
        Assert.True(server.Host.Status.State == "ok", server.Host.Status.Error);
        var request = new { seed = 9, num_chars = 80, ignore_eos = true };
        var first = await server.Http.GenerateAsync(request);
        Assert.Equal(80, Api.CharCount(first.GeneratedText));
        Assert.Equal(first.GeneratedText, (await server.Http.GenerateAsync(request)).GeneratedText);
        return first.GeneratedText;
    }

    [Fact]
    public void The_defaults_read_the_weights_repack_them_and_keep_an_f16_cache_with_flash_attention()
    {
        var settings = Settings();
        Assert.Equal((false, true), (settings.Load.MapFile, settings.Load.RepackWeights));
        // Lanes side by side, long prompts and a chat's later turns all decode faster with flash attention, one lane too.
        Assert.Equal((KvCacheType.F16, FlashAttention.Auto), (settings.KvCache, settings.FlashAttention));
        Assert.Equal(FlashAttention.Auto, Settings(("PARALLEL", "1")).FlashAttention);
        Assert.Equal(FlashAttention.Off, Settings(("PARALLEL", "1"), ("FLASH_ATTENTION", "off")).FlashAttention);
        // A quantized cache needs flash attention: unless told otherwise, llama.cpp decides (and turns it on).
        Assert.Equal(FlashAttention.Auto, Settings(("KV_CACHE_TYPE", "q8_0")).FlashAttention);
        Assert.Equal((true, false), (Settings(("MODEL_MMAP", "true"), ("MODEL_REPACK", "false")).Load is var l ? (l.MapFile, l.RepackWeights) : default));
        // llama.cpp's tools keep their compute threads in a pool that polls at 50; so does the server.
        Assert.Equal((50, 0), (settings.ThreadPoll, Settings(("THREAD_POLL", "0")).ThreadPoll));
        // Flags read as the Dashboard reads its own: true/1, false/0.
        Assert.Equal((true, false, true), (Settings(("LOG_PROMPTS", "1")).LogPrompts, Settings(("PROMPT_CACHE", "0")).PromptCache, Settings(("TRUST_FORWARDED_FOR", " TRUE ")).Forwarded.Hops == 1));
    }

    [Theory]
    [InlineData("KV_CACHE_TYPE", "q5_1", "KV_CACHE_TYPE='q5_1' must be f16, q8_0 or q4_0")]
    [InlineData("FLASH_ATTENTION", "sometimes", "FLASH_ATTENTION='sometimes' must be on, off or auto")]
    [InlineData("MODEL_MMAP", "yes", "MODEL_MMAP='yes' must be true or false")]
    [InlineData("THREAD_POLL", "101", "THREAD_POLL='101' must be a whole number from 0 to 100")]
    // A typo must not silently keep the opposite: prompts in logs, or a cache the operator turned off.
    [InlineData("LOG_PROMPTS", "ture", "LOG_PROMPTS='ture' must be true or false")]
    [InlineData("PROMPT_CACHE", "off", "PROMPT_CACHE='off' must be true or false")]
    [InlineData("TRUST_FORWARDED_FOR", "yes", "TRUST_FORWARDED_FOR='yes' must be true or false")]
    [InlineData("FORWARDED_HOPS", "two", "FORWARDED_HOPS='two' must be a whole number from 0 to 10")]
    [InlineData("FORWARDED_HOPS", "11", "FORWARDED_HOPS='11' must be a whole number from 0 to 10")]
    public void Unknown_values_are_refused_at_start_naming_the_setting(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => Settings((key, value)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trusted_proxies_are_counted_one_way_and_a_contradiction_is_refused()
    {
        Assert.Equal(0, Settings().Forwarded.Hops);
        Assert.Equal((1, false), (Settings(("TRUST_FORWARDED_FOR", "true")).Forwarded is var one ? (one.Hops, one.OnFly) : default));
        Assert.Equal((2, true), (Settings(("FORWARDED_HOPS", "2"), ("FLY_APP_NAME", "app")).Forwarded is var two ? (two.Hops, two.OnFly) : default));
        Assert.Equal(1, Settings(("TRUST_FORWARDED_FOR", "true"), ("FORWARDED_HOPS", "1")).Forwarded.Hops);
        var e = Assert.Throws<InvalidSettingsException>(() => Settings(("TRUST_FORWARDED_FOR", "true"), ("FORWARDED_HOPS", "2")));
        Assert.Contains("TRUST_FORWARDED_FOR=true contradicts FORWARDED_HOPS=2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quantized_cache_without_flash_attention_is_refused_before_llama_cpp_sees_it()
    {
        var e = Assert.Throws<InvalidSettingsException>(() => Settings(("KV_CACHE_TYPE", "q8_0"), ("FLASH_ATTENTION", "off")));
        Assert.Contains("KV_CACHE_TYPE=q8_0 needs FLASH_ATTENTION on or auto", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quantized_cache_for_heads_it_cannot_hold_is_an_error_state_that_says_why()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("KV_CACHE_TYPE", "q8_0")).ReadyAsync(); // heads of 16 values
        Assert.Equal("error", server.Host.Status.State);
        // /health gives the short reason; the log says exactly why.
        Assert.Contains("needs attention heads of a multiple of 32 values; this model's have 16", string.Join('\n', server.Logs.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quantized_cache_works_for_heads_of_32_values()
    {
        var path = Path.Combine(TestModels.Directory, "heads32.gguf");
        LlamaCpp.Gguf.LlamaModelWriter.WriteRandom(path, LlamaCpp.Gguf.ModelShape.Tiny with { Heads = 2, KvHeads = 2 },
            LlamaCpp.Gguf.Vocabulary.FromCharacters(TestModels.Alphabet), "heads32", seed: 3);
        using var server = await new ApiServer(path, settings: ("KV_CACHE_TYPE", "q8_0")).ReadyAsync();
        await SameTextTwiceAsync(server);
    }

    [Theory]
    [InlineData("FLASH_ATTENTION", "on")]
    [InlineData("MODEL_MMAP", "true")]
    public async Task A_server_with_the_setting_generates_the_same_text_for_the_same_seed(string key, string value)
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: (key, value)).ReadyAsync();
        await SameTextTwiceAsync(server);
    }

    [Fact]
    public async Task Kept_threads_that_sleep_at_once_or_poll_give_the_same_text()
    {
        var texts = new List<string>();
        foreach (var poll in new[] { "0", "50" })
        {
            using var server = await new ApiServer(TestModels.Tiny, settings: [("THREADS", "2"), ("THREAD_POLL", poll)]).ReadyAsync();
            texts.Add(await SameTextTwiceAsync(server));
        }
        Assert.Equal(texts[0], texts[1]);
    }
}
