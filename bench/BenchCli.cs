using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using CustomGpt.Trainer;

namespace CustomGpt.Bench;

/// <summary>
/// The bench's command line (System.CommandLine): at most one mode flag (none: the main run) and the options, with
/// generated --help. Modes stay flags, as the docs spell them (`--gateway`, `--vs-llama-server PATH`), not commands.
/// Exit codes: 0 done (and --help), 2 bad command line (the message names the option).
/// </summary>
static class BenchCli
{
    const string Description = """
        Prints figures only; nothing here asserts. docs/performance.md has what was measured.
        Without a mode: llama.cpp through the project's binding and ModelApi over HTTP on the same model, alternated
        (options --threads, --tokens, --parallel, --rounds, --model, --env). Give one mode at most.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new Flags();
        // Arguments are taken as given: no @response files (a path may start with '@').
        var result = flags.Command().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Action is ParseErrorAction)
        {
            foreach (var e in result.Errors) Console.Error.WriteLine(OptionRules.Describe(e));
            Console.Error.WriteLine("See 'Bench --help' for the modes and options.");
            return 2;
        }
        // A failing run ends as an unhandled exception, with its stack trace, as before; Ctrl+C ends the process at once.
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The modes and options, made once per command (an option belongs to one command).</summary>
    sealed class Flags
    {
        readonly Option<bool> gateway = Mode("--gateway", "what keys and limits add per request (docs/gateway.md). Uses --requests.");
        readonly Option<bool> proxy = Mode("--proxy", "what forwarding to an upstream adds per request (docs/upstreams.md). Uses --requests.");
        readonly Option<bool> soak = Mode("--soak", "mixed traffic against a real ModelApi, memory drift. Uses --minutes, --clients, --seed.");
        readonly Option<bool> fuzz = Mode("--fuzz", "bad bodies on every route. Uses --bodies, --seed.");
        readonly Option<bool> chat = Mode("--chat", "6-turn chat TTFT, prompt cache on and off. Uses --threads, --rounds.");
        readonly Option<bool> longText = Mode("--long", "real words past the context, on the default model. Uses --threads, --seeds.");
        readonly Option<bool> memory = Mode("--memory", "peak RSS per loading / KV cache setting. Uses --threads, --parallel, --tokens, --rounds.");
        readonly Option<bool> telemetry = Mode("--telemetry", "served/direct with telemetry off and on, one run. Uses --threads, --parallel, --tokens, --rounds, --on-first.");
        readonly Option<bool> twoLoops = Mode("--two-loops", "two direct loops: the noise floor, thread polling. Uses --threads, --parallel, --tokens, --rounds, --poll-a, --poll-b.");
        readonly Option<bool> llamaSharp = Mode("--llamasharp", "the binding and LLamaSharp, each in its own process (docs/llamasharp.md). Uses --threads, --tokens, --rounds, --busy.");
        readonly Option<string?> vsLlamaServer = new Option<string?>("--vs-llama-server")
        {
            HelpName = "PATH",
            Description = "Mode: ModelApi against llama-server under load (docs/performance-under-load.md); bench/build-llama-server.sh builds PATH. " +
                "Uses --threads, --clients, --rounds, --tokens, --lanes, --prompt-tokens, --no-long-prompt, --env, --llama-args.",
        }.Check(path => File.Exists(path) ? null
            : $"--vs-llama-server needs the path of a llama-server executable (bench/build-llama-server.sh builds one); no file at '{path}'.");
        // The binding's side of --llamasharp: the bench started again as a process of its own.
        readonly Option<bool> worker = new(BindingWorker.Flag) { Hidden = true };

        readonly Option<int> threads = Number("--threads", "CPU threads [default: this machine's cores].", 1, 256);
        readonly Option<int> tokens = Number("--tokens", "Tokens per request [default: 64; --llamasharp and --vs-llama-server 128].", 1, 100_000);
        readonly Option<int> parallel = Number("--parallel", "ModelApi's lanes (PARALLEL) and the direct loop's sequences [default: 4].", 1, 256);
        readonly Option<int> rounds = Number("--rounds", "Rounds [default: 7; --chat 3, --llamasharp 8, --vs-llama-server 5].", 1, 10_000);
        readonly Option<string?> model = new Option<string?>("--model") { HelpName = "PATH", Description = "The main run's model [default: the bench model, made once in artifacts/bench]." }
            .Check(path => File.Exists(path) ? null : $"--model: no file at '{path}'.");
        readonly Option<string[]> env = new Option<string[]>("--env") { HelpName = "KEY=VALUE", Description = "A ModelApi setting for the served runs (main run, --vs-llama-server); repeatable." }
            .Check(pairs => pairs.FirstOrDefault(p => p.IndexOf('=', StringComparison.Ordinal) < 1) is { } bad ? $"--env takes KEY=VALUE (got '{bad}')." : null);
        readonly Option<int> requests = Number("--requests", "Requests per measurement (--gateway, --proxy) [default: 2000].", 1, 10_000_000);
        readonly Option<int> minutes = Number("--minutes", "How long --soak runs [default: 10].", 1, 10_000);
        readonly Option<int[]?> clients = new Option<int[]?>("--clients")
        {
            HelpName = "N[,N...]",
            Description = "Clients at once [default: --soak 8; --vs-llama-server 1,4,8,16, one comparison each].",
            CustomParser = ClientCounts,
        };
        readonly Option<int> bodies = Number("--bodies", "Bad bodies per route (--fuzz) [default: 1000].", 1, 10_000_000);
        readonly Option<int> seed = Number("--seed", "Seed of the traffic (--soak, --fuzz) [default: 1].", 0, int.MaxValue);
        readonly Option<int> seeds = Number("--seeds", "Seeds 1 to N, one generation each (--long) [default: 10].", 1, 10_000);
        readonly Option<bool> onFirst = new("--on-first") { Description = "Start the telemetry-on server first (--telemetry)." };
        readonly Option<int> pollA = Number("--poll-a", "Loop A's thread polling, -1: threads started per decode (--two-loops) [default: 50].", -1, 100);
        readonly Option<int> pollB = Number("--poll-b", "Loop B's thread polling, as --poll-a [default: 50].", -1, 100);
        readonly Option<int> busy = Number("--busy", "Threads of other work spinning meanwhile (--llamasharp) [default: 0].", 0, 256);
        readonly Option<int> lanes = Number("--lanes", "Lanes (slots) at most; clients beyond share them (--vs-llama-server) [default: 8].", 1, 256);
        readonly Option<int> promptTokens = Number("--prompt-tokens", "Tokens of each client's prompt (--vs-llama-server) [default: 60].", 2, 800);
        readonly Option<bool> noLongPrompt = new("--no-long-prompt") { Description = "Leave out the 1,000-token prompt (--vs-llama-server)." };
        readonly Option<string?> llamaArgs = new("--llama-args") { HelpName = "\"ARGS\"", Description = "Extra llama-server arguments, in one quoted string (--vs-llama-server)." };

        Option[] Modes => [gateway, proxy, soak, fuzz, chat, longText, memory, telemetry, twoLoops, llamaSharp, vsLlamaServer, worker];

        public RootCommand Command()
        {
            var command = new RootCommand(Description)
            {
                gateway, proxy, soak, fuzz, chat, longText, memory, telemetry, twoLoops, llamaSharp, vsLlamaServer, worker,
                threads, tokens, parallel, rounds, model, env, requests, minutes, clients, bodies, seed, seeds, onFirst, pollA, pollB, busy,
                lanes, promptTokens, noLongPrompt, llamaArgs,
            };
            command.Validators.Add(result =>
            {
                var given = Modes.Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
                if (given.Count > 1) result.AddError($"Give one mode at most (got {string.Join(" and ", given)}).");
                if (result.GetResult(soak) is not null && result.GetValue(clients) is { Length: > 1 }) result.AddError("--soak takes one --clients number.");
                if (result.GetResult(worker) is not null && result.GetResult(model) is null) result.AddError($"{BindingWorker.Flag} needs --model.");
            });
            command.SetAction(RunAsync);
            return command;
        }

        async Task RunAsync(ParseResult r)
        {
            int Get(Option<int> option, int fallback) => r.GetGivenValue(option) ?? fallback;
            var threadCount = Get(threads, Environment.ProcessorCount);
            // Not given: the parser's value is an empty list.
            var clientCounts = r.GetValue(clients) is { Length: > 0 } given ? given : null;
            if (r.GetValue(gateway)) await GatewayOverhead.RunAsync(Get(requests, 2000));
            else if (r.GetValue(proxy)) await ProxyOverhead.RunAsync(Get(requests, 2000));
            else if (r.GetValue(soak) || r.GetValue(fuzz))
                await SoakAndFuzz.RunAsync(r.GetValue(soak), Get(minutes, 10), clientCounts?[0] ?? 8, Get(bodies, 1000), Get(seed, 1));
            else if (r.GetValue(worker)) BindingWorker.Run(r.GetRequiredValue(model)!, threadCount);
            else if (r.GetValue(llamaSharp)) LlamaSharpSideBySide.Run(BenchModel.Ensure(), threadCount, Get(tokens, 128), Get(rounds, 8), Get(busy, 0));
            else if (r.GetValue(vsLlamaServer) is { } llamaServer)
                await VsLlamaServer.RunAsync(new VsLlamaServer.Options(llamaServer, BenchModel.Ensure(), threadCount, Get(tokens, 128), Get(rounds, 5),
                    clientCounts ?? [1, 4, 8, 16], Get(lanes, 8), Get(promptTokens, VsLlamaServer.DefaultPromptTokens), !r.GetValue(noLongPrompt), Env(r),
                    [.. CommandLineParser.SplitCommandLine(r.GetValue(llamaArgs) ?? "")]));
            else if (r.GetValue(chat)) await ChatTurns.RunAsync(BenchModel.Ensure(), threadCount, Get(rounds, 3));
            else if (r.GetValue(longText)) await LongText.RunAsync(Tests.Shared.Repository.DefaultModel, threadCount, Get(seeds, 10));
            else if (r.GetValue(memory)) await MemoryConfigs.RunAsync(BenchModel.Ensure(), threadCount, Get(parallel, 4), Get(tokens, 64), Get(rounds, 7));
            else if (r.GetValue(telemetry))
                await TelemetryOnOff.RunAsync(BenchModel.Ensure(), threadCount, Get(parallel, 4), Get(tokens, 64), Get(rounds, 7), r.GetValue(onFirst));
            else if (r.GetValue(twoLoops))
                TwoLoops.Run(BenchModel.Ensure(), threadCount, Get(parallel, 4), Get(tokens, 64), Get(rounds, 7), Get(pollA, 50), Get(pollB, 50));
            else await MainRun.RunAsync(r.GetValue(model) ?? BenchModel.Ensure(), threadCount, Get(parallel, 4), Get(tokens, 64), Get(rounds, 7), Env(r));
        }

        (string Key, string Value)[] Env(ParseResult r) =>
            [.. (r.GetValue(env) ?? []).Select(pair => pair.Split('=', 2)).Select(kv => (kv[0], kv[1]))];
    }

    static Option<bool> Mode(string name, string description) => new(name) { Description = "Mode: " + description };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; each mode has its own default when not given.</summary>
    static Option<int> Number(string name, string description, int min, int max) =>
        new Option<int>(name) { HelpName = "N", Description = description }.Within(min, max);

    /// <summary>--clients 1,4,8,16: counts separated by commas (the option may be repeated too).</summary>
    static int[]? ClientCounts(ArgumentResult result)
    {
        var counts = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var numbers = counts.Select(c => int.TryParse(c, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1024 ? n : 0).ToArray();
        if (numbers.Length > 0 && numbers.All(n => n > 0)) return numbers;
        result.AddError($"--clients takes whole numbers from 1 to 1024, separated by commas (got '{string.Join(' ', result.Tokens.Select(t => t.Value))}').");
        return null;
    }
}
