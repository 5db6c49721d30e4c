using CustomGpt.Bench;
using CustomGpt.LlamaCpp;

// Usage: dotnet run -c Release --project bench [-- --threads N --tokens N --parallel N --model PATH]
// Prints figures only; nothing here asserts. See README "Performance" for what was measured.
var threads = Arg("--threads", Environment.ProcessorCount);
var tokens = Arg("--tokens", 64);
var parallel = Arg("--parallel", 8);
var modelPath = args.SkipWhile(a => a != "--model").Skip(1).FirstOrDefault()
    ?? BenchModel.Ensure(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "artifacts", "bench"));
// About 60 tokens in the synthetic vocabulary.
const string prompt = "The quick brown fox jumps over the lazy dog while the small cat watches from a warm window and thinks about dinner";

LlamaBackend.EnsureInitialized();
Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1e6:F0} MB), threads: {threads}, tokens per request: {tokens}, PARALLEL: {parallel}");
Console.WriteLine($"cpu: {LlamaBackend.SystemInfo().Trim()}");

var direct = Enumerable.Range(0, 3).Select(_ => DirectLoop.Run(modelPath, prompt, tokens, threads)).ToList();
var directGen = direct.Max(d => d.TokensPerSecond);
Console.WriteLine($"binding, no HTTP    : prompt {direct.Max(d => d.PromptTokensPerSecond),7:F1} tok/s   generation {directGen,6:F1} tok/s (best of 3)");

using (var served = new ServedLoop(modelPath, threads, parallel))
{
    Console.WriteLine($"ModelApi start to /health ok: {served.StartToReady.TotalMilliseconds:F0} ms");
    await served.GenerateAsync(prompt, 8, 0); // first request after start
    var single = new List<CustomGpt.ModelApi.Client.GenerateResponse>();
    for (var i = 0; i < 3; i++) single.Add(await served.GenerateAsync(prompt, tokens, i));
    var best = single.MaxBy(r => r.Timings.TokensPerSecond)!;
    Console.WriteLine($"ModelApi 1 stream   : prompt {best.Timings.PromptTokensPerSecond,7:F1} tok/s   generation {best.Timings.TokensPerSecond,6:F1} tok/s   TTFT {best.Timings.TtftMs:F0} ms for {best.Usage.PromptTokens} prompt tokens");
    Console.WriteLine($"overhead vs binding : {(1 - best.Timings.TokensPerSecond / directGen) * 100:F1}% single-stream generation");
    foreach (var clients in new[] { 1, 4, 8 })
    {
        var aggregate = await served.AggregateAsync(clients, tokens);
        Console.WriteLine($"ModelApi {clients} client{(clients == 1 ? " " : "s")}  : {aggregate,6:F1} tok/s aggregate (wall clock, {clients} x {tokens} tokens)");
    }
    Console.WriteLine($"ModelApi peak RSS   : {served.PeakRssMb():F0} MB");
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
