using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using CustomGpt.ModelApi.Client;
using CustomGpt.Tests.Shared;
using static CustomGpt.Bench.Statistics;

namespace CustomGpt.Bench;

/// <summary>
/// `--vs-llama-server PATH`: ModelApi and llama.cpp's llama-server (built from the same pinned source by
/// bench/build-llama-server.sh) on the same model, threads, lanes/slots and positions per lane, under the same
/// load: N clients at once, each a streamed POST /v1/completions of its own ~60-token prompt (--prompt-tokens; no prefix cache
/// helps), greedy. Rounds alternate which server goes first; medians, every round, time to first token and
/// peak resident memory (docs/performance-under-load.md).
/// </summary>
static class VsLlamaServer
{
    const int PositionsPerLane = 1024;
    public const int DefaultPromptTokens = 60;
    const int LongPromptTokens = 1000;

    // Words of every prompt; each request draws its own sequence of them.
    static readonly string[] Words =
        ("the quick brown fox jumps over lazy dog while small cat watches from warm window and thinks about dinner " +
         "river mountain city garden morning evening winter summer light stone bread water house friend letter story " +
         "music table green yellow old young long short open quiet bright dark road field forest paper market train " +
         "bird horse silver golden north south ship harbor bridge tower clock candle song dance king queen child").Split(' ');

    /// <param name="LlamaServer">The llama-server executable.</param>
    /// <param name="Clients">One comparison per count of clients at once.</param>
    /// <param name="MaxLanes">Lanes (slots) for as many clients, up to this many.</param>
    /// <param name="PromptTokens">About how many tokens each client's prompt has.</param>
    /// <param name="LongPrompt">Also one 1,000-token prompt: prompt speed.</param>
    /// <param name="Env">Extra ModelApi settings.</param>
    /// <param name="LlamaArgs">Extra llama-server arguments.</param>
    public sealed record Options(string LlamaServer, string ModelPath, int Threads, int Tokens, int Rounds, int[] Clients, int MaxLanes,
        int PromptTokens, bool LongPrompt, (string Key, string Value)[] Env, string[] LlamaArgs);

    /// <summary>One streamed completion as a client sees it.</summary>
    readonly record struct Completion(double TtftMs, int Tokens, int PromptTokens);

    /// <summary>One round of one server: all clients at once.</summary>
    readonly record struct Round(double TokensPerSecond, double TtftMs, int Tokens, int PromptTokens);

    sealed record Engine(string Name, HttpClient Http, Func<long> PeakResident, Func<TimeSpan> CpuTime);

    public static async Task RunAsync(Options options)
    {
        var (modelPath, threads, clients, env, llamaArgs) = (options.ModelPath, options.Threads, options.Clients, options.Env, options.LlamaArgs);
        Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1048576.0:F0} MiB), {threads} threads, {Environment.ProcessorCount} cores, " +
            $"{options.Tokens} tokens per request, temperature 0, streamed /v1/completions, {PositionsPerLane} positions per lane, {options.Rounds} rounds alternated");
        Console.WriteLine($"ModelApi environment: {(env.Length == 0 ? "defaults" : string.Join(" ", env.Select(e => e.Item1 + "=" + e.Item2)))}; llama-server arguments: {(llamaArgs.Length == 0 ? "defaults" : string.Join(" ", llamaArgs))}");
        Console.WriteLine($"load average before: {MachineCpu.LoadAverage()}");
        var rows = new List<string>();
        foreach (var n in clients) rows.Add(await CompareAsync(options, n, Math.Min(n, options.MaxLanes), options.PromptTokens, options.Tokens));
        if (options.LongPrompt) rows.Add(await CompareAsync(options, 1, 1, LongPromptTokens, 16));

        Console.WriteLine();
        Console.WriteLine("| clients (lanes) | llama-server tok/s median (min–max) | ModelApi tok/s median (min–max) | ratio | TTFT llama-server | TTFT ModelApi | peak RSS llama-server | peak RSS ModelApi | other load |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows) Console.WriteLine(row);
        Console.WriteLine($"load average after: {MachineCpu.LoadAverage()}");
    }

    /// <summary>Both servers started for this many lanes, warmed up, then measured in alternated rounds; one table row.</summary>
    static async Task<string> CompareAsync(Options o, int clients, int lanes, int promptTokens, int tokens)
    {
        var t = o.Threads.ToString(CultureInfo.InvariantCulture);
        using var ours = new ModelApiProcess(o.ModelPath, [("THREADS", t), ("PARALLEL", lanes.ToString(CultureInfo.InvariantCulture)),
            ("CONTEXT_SIZE", PositionsPerLane.ToString(CultureInfo.InvariantCulture)), .. o.Env]);
        await ours.ReadyAsync();
        using var theirs = new LlamaServerProcess(o.LlamaServer, ["-m", o.ModelPath, "-t", t, "-tb", t,
            "-c", (lanes * PositionsPerLane).ToString(CultureInfo.InvariantCulture), "-np", lanes.ToString(CultureInfo.InvariantCulture), .. o.LlamaArgs]);
        await theirs.ReadyAsync();
        using var oursHttp = new HttpClient { BaseAddress = ours.Address, Timeout = TimeSpan.FromMinutes(10) };
        using var theirsHttp = new HttpClient { BaseAddress = theirs.Address, Timeout = TimeSpan.FromMinutes(10) };
        var llama = new Engine("llama-server", theirsHttp, theirs.PeakResidentBytes, () => theirs.CpuTime);
        var api = new Engine("ModelApi", oursHttp, ours.PeakResidentBytes, () => ours.CpuTime);

        var wordTokens = await WordTokensAsync(oursHttp);
        foreach (var engine in new[] { llama, api }) await CompleteAsync(engine.Http, "Once upon a time", 8); // first use of each path

        var what = promptTokens == LongPromptTokens ? $"one {promptTokens}-token prompt, {tokens} tokens" : $"{clients} client{(clients == 1 ? "" : "s")} on {lanes} lane{(lanes == 1 ? "" : "s")}" +
            (promptTokens == DefaultPromptTokens ? "" : $", {promptTokens}-token prompts");
        Console.WriteLine();
        Console.WriteLine($"{what}:");
        var runs = new Dictionary<Engine, List<Round>> { [llama] = [], [api] = [] };
        var machine = MachineCpu.Read();
        var enginesCpu = llama.CpuTime() + api.CpuTime();
        for (var r = 0; r < o.Rounds; r++)
        {
            // The same prompts for both servers in a round, new ones every round: nothing is cached.
            var rng = new Random(clients * 1000 + promptTokens + r);
            var prompts = Enumerable.Range(0, clients).Select(_ => Prompt(rng, wordTokens, promptTokens)).ToArray();
            var line = new List<string>();
            foreach (var engine in r % 2 == 0 ? new[] { llama, api } : [api, llama])
            {
                await DirectLoop.LetThreadsSettle(); // the other server's idle threads spin for a while after its round
                var round = await RoundAsync(engine.Http, prompts, tokens);
                runs[engine].Add(round);
                line.Add($"{engine.Name} {round.TokensPerSecond,5:F1} tok/s, TTFT {round.TtftMs,6:F0} ms, {round.Tokens} tokens, {round.PromptTokens} prompt tokens");
            }
            Console.WriteLine($"  round {r + 1}: {string.Join(" | ", line)}");
        }
        var others = machine.OthersShare(MachineCpu.Read(), llama.CpuTime() + api.CpuTime() - enginesCpu);
        Console.WriteLine($"  other processes used {others * 100:F0} % of the machine's CPU time meanwhile");

        string Speed(Engine e) => promptTokens == LongPromptTokens
            ? $"{Median(runs[e].Select(x => x.PromptTokens / (x.TtftMs / 1000))):F1} prompt tok/s"
            : $"{Median(runs[e].Select(x => x.TokensPerSecond)):F1} ({runs[e].Min(x => x.TokensPerSecond):F1}–{runs[e].Max(x => x.TokensPerSecond):F1})";
        var ratio = promptTokens == LongPromptTokens
            ? Median(runs[llama].Select(x => x.TtftMs)) / Median(runs[api].Select(x => x.TtftMs))
            : Median(runs[api].Select(x => x.TokensPerSecond)) / Median(runs[llama].Select(x => x.TokensPerSecond));
        return $"| {what} | {Speed(llama)} | {Speed(api)} | {ratio:F2} | {Median(runs[llama].Select(x => x.TtftMs)):N0} ms | {Median(runs[api].Select(x => x.TtftMs)):N0} ms " +
            $"| {llama.PeakResident() / 1073741824.0:F2} GiB | {api.PeakResident() / 1073741824.0:F2} GiB | {others * 100:F0} % |";
    }

    /// <summary>All prompts at once, one client each; tokens per second over the round's wall clock, the median TTFT.</summary>
    static async Task<Round> RoundAsync(HttpClient http, string[] prompts, int tokens)
    {
        var start = Stopwatch.GetTimestamp();
        var done = await Task.WhenAll(prompts.Select(p => CompleteAsync(http, p, tokens)));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Round(done.Sum(c => c.Tokens) / seconds, Median(done.Select(c => c.TtftMs)), done.Sum(c => c.Tokens), done.Sum(c => c.PromptTokens));
    }

    /// <summary>A streamed completion: time to the first text, tokens received (the usage when the server sends it).</summary>
    static async Task<Completion> CompleteAsync(HttpClient http, string prompt, int tokens)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
        {
            Content = JsonContent.Create(new
            {
                prompt,
                max_tokens = tokens,
                temperature = 0,
                stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        // Headers only: the body is read as it streams, so the first token is timed when it arrives.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        double? ttft = null;
        int chunks = 0, usageTokens = -1, promptTokens = 0;
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            var data = item.Data;
            if (data == "[DONE]") break;
            using var json = JsonDocument.Parse(data);
            var root = json.RootElement;
            if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 })
            {
                ttft ??= Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                chunks++;
            }
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                usageTokens = usage.GetProperty("completion_tokens").GetInt32();
                promptTokens = usage.GetProperty("prompt_tokens").GetInt32();
            }
        }
        return new Completion(ttft ?? Stopwatch.GetElapsedTime(start).TotalMilliseconds, usageTokens >= 0 ? usageTokens : chunks, promptTokens);
    }

    /// <summary>Tokens of each word after a space, from ModelApi's /tokenize (both servers share the model's tokenizer).</summary>
    static async Task<Dictionary<string, int>> WordTokensAsync(HttpClient http)
    {
        var counts = new Dictionary<string, int>();
        foreach (var word in Words.Distinct())
        {
            using var response = await http.PostAsJsonAsync("tokenize", new { text = " " + word });
            response.EnsureSuccessStatusCode();
            counts[word] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32();
        }
        return counts;
    }

    /// <summary>Random words until about <paramref name="target"/> tokens (one is the beginning-of-text token).</summary>
    static string Prompt(Random rng, Dictionary<string, int> wordTokens, int target)
    {
        var words = new List<string>();
        for (var count = 1; count < target;)
        {
            var word = Words[rng.Next(Words.Length)];
            words.Add(word);
            count += wordTokens[word];
        }
        return string.Join(' ', words);
    }
}
