using CustomGpt.Bench;
using CustomGpt.LlamaCpp;
using static CustomGpt.Bench.Statistics;

// Usage: dotnet run -c Release --project bench [-- --threads N --tokens N --parallel N --rounds N --model PATH --env KEY=VALUE]
//        dotnet run -c Release --project bench -- --gateway [--requests N]   (what keys and limits add per request)
//        dotnet run -c Release --project bench -- --proxy [--requests N]   (what forwarding to an upstream adds per request, docs/upstreams.md)
//        dotnet run -c Release --project bench -- --soak [--minutes N] [--clients N]   (mixed traffic, memory drift)
//        dotnet run -c Release --project bench -- --fuzz [--bodies N] [--seed N]      (bad bodies on every route)
//        dotnet run -c Release --project bench -- --chat [--threads N] [--rounds N]     (6-turn chat TTFT, prompt cache on/off)
//        dotnet run -c Release --project bench -- --long [--threads N] [--seeds N]      (real words past the context, default model)
//        dotnet run -c Release --project bench -- --memory [--threads N] [--rounds N]   (peak RSS per loading / KV cache setting)
//        dotnet run -c Release --project bench -- --telemetry [--threads N] [--rounds N] [--on-first]  (served/direct with telemetry off and on, one run)
//        dotnet run -c Release --project bench -- --two-loops [--poll-a N] [--poll-b N] (two direct loops: the noise floor, thread polling)
//        dotnet run -c Release --project bench -- --llamasharp [--threads N] [--tokens N] [--rounds N] [--busy N]  (the binding and LLamaSharp, each in its own process; --busy: N spinning threads of other work)
//        dotnet run -c Release --project bench -- --vs-llama-server PATH [--clients 1,4,8,16] [--rounds N] [--tokens N] [--lanes N] [--no-long-prompt] [--env KEY=VALUE] [--llama-args "..."]
//                                                        (ModelApi against llama-server under load; bench/build-llama-server.sh builds PATH)
// Prints figures only; nothing here asserts. docs/performance.md has what was measured.
if (args.Contains("--gateway"))
{
    await GatewayOverhead.RunAsync(Arg("--requests", 2000));
    return;
}
if (args.Contains("--proxy"))
{
    await ProxyOverhead.RunAsync(Arg("--requests", 2000));
    return;
}
if (args.Contains("--soak") || args.Contains("--fuzz"))
{
    await SoakAndFuzz.RunAsync(args.Contains("--soak"), Arg("--minutes", 10), Arg("--clients", 8), Arg("--bodies", 1000), Arg("--seed", 1));
    return;
}
var threads = Arg("--threads", Environment.ProcessorCount);
if (args.Contains(BindingWorker.Flag))
{
    BindingWorker.Run(args.SkipWhile(a => a != "--model").Skip(1).First(), threads);
    return;
}
if (args.Contains("--llamasharp"))
{
    LlamaSharpSideBySide.Run(BenchModel.Ensure(), threads, Arg("--tokens", 128), Arg("--rounds", 8), Arg("--busy", 0));
    return;
}
if (args.Contains("--vs-llama-server"))
{
    await VsLlamaServer.RunAsync(args, BenchModel.Ensure(), threads);
    return;
}
if (args.Contains("--chat"))
{
    await ChatTurns.RunAsync(BenchModel.Ensure(), threads, Arg("--rounds", 3));
    return;
}
if (args.Contains("--long"))
{
    await LongText.RunAsync(CustomGpt.Tests.Shared.Repository.DefaultModel, threads, Arg("--seeds", 10));
    return;
}
var tokens = Arg("--tokens", 64);
var parallel = Arg("--parallel", 4);
var rounds = Arg("--rounds", 7);
if (args.Contains("--memory"))
{
    await MemoryConfigs.RunAsync(BenchModel.Ensure(), threads, parallel, tokens, rounds);
    return;
}
if (args.Contains("--telemetry"))
{
    await TelemetryOnOff.RunAsync(BenchModel.Ensure(), threads, parallel, tokens, rounds, args.Contains("--on-first"));
    return;
}
if (args.Contains("--two-loops"))
{
    // -1: no pool of its own (ggml starts its threads for every decode).
    TwoLoops.Run(BenchModel.Ensure(), threads, parallel, tokens, rounds, Arg("--poll-a", 50), Arg("--poll-b", 50));
    return;
}
var modelPath = args.SkipWhile(a => a != "--model").Skip(1).FirstOrDefault()
    ?? BenchModel.Ensure();
const string prompt = BenchModel.Prompt;

LlamaBackend.EnsureInitialized();
Console.WriteLine($"model: {Path.GetFileName(modelPath)} ({new FileInfo(modelPath).Length / 1e6:F0} MB), threads {threads}, {tokens} tokens per request, ModelApi PARALLEL {parallel}");

// --env KEY=VALUE (repeatable): extra environment for the ModelApi process, to compare settings.
var extraEnv = args.Select((a, i) => (a, i)).Where(p => p.a == "--env" && p.i + 1 < args.Length)
    .Select(p => args[p.i + 1].Split('=', 2)).Select(kv => (kv[0], kv.Length > 1 ? kv[1] : "")).ToArray();
if (extraEnv.Length > 0) Console.WriteLine($"ModelApi environment: {string.Join(" ", extraEnv.Select(e => e.Item1 + "=" + e.Item2))}");
// No prompt cache: every run repeats the prompt, and the binding decodes all of it each time too.
using var served = new ServedLoop(modelPath, threads, parallel, [("PROMPT_CACHE", "false"), .. extraEnv]);
Console.WriteLine($"ModelApi start to /health ok      : {served.StartToReady.TotalMilliseconds,7:F0} ms");
// llama-bench's loop: the compute threads kept in a pool that polls at its default level.
using var direct = new DirectLoop(modelPath, threads, parallel, DirectLoop.LlamaBenchPolling);
// The first request after start, JSON and streamed: the first use of each path pays for compiling it.
await served.GenerateAsync(prompt, 8, 0);
await served.StreamAsync(prompt, 8, 0);

// Alternate direct, JSON and streamed runs so background load on the machine hits all alike;
// each served run is compared with the direct run just before it, and the distribution is printed.
var directRuns = new List<(double Prompt, double Gen)>();
var servedRuns = new List<GenerateResponse>();
var streamedRuns = new List<Timings>();
for (var i = 0; i < rounds; i++)
{
    directRuns.Add(direct.Run(prompt, tokens));
    await DirectLoop.LetThreadsSettle();
    servedRuns.Add(await served.GenerateAsync(prompt, tokens, i));
    streamedRuns.Add(await served.StreamAsync(prompt, tokens, i));
    await DirectLoop.LetThreadsSettle();
}
var directGen = Median(directRuns.Select(r => r.Gen));
var servedGen = Median(servedRuns.Select(r => r.Timings.TokensPerSecond));
Console.WriteLine($"binding, no HTTP: prompt tok/s    : {Median(directRuns.Select(r => r.Prompt)),7:F1}   generation tok/s {directGen,6:F1}");
Console.WriteLine($"ModelApi 1 stream: prompt tok/s   : {Median(servedRuns.Select(r => r.Timings.PromptTokensPerSecond)),7:F1}   generation tok/s {servedGen,6:F1} (JSON), {Median(streamedRuns.Select(t => t.TokensPerSecond)),6:F1} (SSE)");
Console.WriteLine($"ModelApi TTFT, {servedRuns[0].Usage.PromptTokens}-token prompt       : {Median(servedRuns.Select(r => r.Timings.TtftMs)),7:F0} ms");
Console.WriteLine($"ModelApi overhead, single stream  : {(1 - servedGen / directGen) * 100,7:F1} % (median of {rounds} alternating runs)");
PrintRatios("JSON / binding", servedRuns.Select(r => r.Timings.TokensPerSecond));
PrintRatios("SSE  / binding", streamedRuns.Select(t => t.TokensPerSecond));
foreach (var clients in new[] { 1, 4, 8 })
{
    var aggregate = await served.AggregateAsync(clients, tokens);
    Console.WriteLine($"ModelApi {clients} client{(clients == 1 ? "," : "s,")} aggregate tok/s : {aggregate,7:F1}   (wall clock, {clients} x {tokens} tokens)");
}
Console.WriteLine($"ModelApi peak RSS                 : {served.PeakRssMb(),7:F0} MB");

void PrintRatios(string what, IEnumerable<double> served)
{
    var ratios = served.Zip(directRuns, (s, d) => s / d.Gen).ToList();
    Console.WriteLine($"{what} per run   : {string.Join(" ", ratios.Select(r => r.ToString("F2")))}   median {Median(ratios):F2}, lowest {ratios.Min():F2}");
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
