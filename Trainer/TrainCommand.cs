using System.Runtime.InteropServices;
using CustomGpt.LlamaCpp;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer;

/// <summary>train: a character-level GPT from a text file, through llama.cpp's own optimizer.</summary>
public static class TrainCommand
{
    public const string Usage = """
        train --text FILE --out PATH.gguf [--preset tiny|small|medium] [--minutes N | --epochs N | --steps N]
              [--quantize q8_0|q4_0] [--resume CHECKPOINT] [--threads N] [--seed N] [--lr RATE]
              [--context N] [--name NAME] [--eval-every STEPS] [--eval-seconds N] [--checkpoint-minutes N]
              [--validation-share 0.01-0.5] [--progress text|json] [--progress-seconds N]
              [--sample-every STEPS] [--sample-seconds N] [--watch-stdin true|false]
          Trains a character-level llama model on a UTF-8 text with llama.cpp's AdamW. Writes PATH.gguf and,
          beside it, PATH.ckpt.gguf (checkpoint: each epoch, every 10 minutes, at the end and on Ctrl+C),
          PATH.report.md and PATH.loss.svg. --resume continues a checkpoint's plan, or trains N more
          with --minutes/--epochs/--steps. Defaults: --preset medium --epochs 1 --threads <cores> --seed 1 --lr 0.002.
          --progress json also prints each event as a JSON line (for programs that run the trainer).
          While training, a sample of 80 characters from the current weights every 10 s (--sample-seconds, 0 = none)
          or every STEPS steps (--sample-every); the final model's samples go into the report.
          --watch-stdin true stops as Ctrl+C does when standard input closes: a program that runs the trainer keeps
          it open, so the trainer also stops, with its checkpoint saved, when that program dies (even killed).
          Presets (context can be raised with --context, a multiple of 256):
            tiny 64 wide x 2 layers, context 256 | small 192 x 4, 256 | medium 256 x 6, 512
        """;

    static readonly string[] Flags =
        ["text", "out", "preset", "minutes", "epochs", "steps", "quantize", "resume", "threads", "seed", "lr", "context", "name", "eval-every", "checkpoint-minutes",
         "eval-seconds", "validation-share", "progress", "progress-seconds", "sample-every", "sample-seconds", "watch-stdin"];

    public static int Run(string[] args, TextWriter? output = null, CancellationToken cancel = default)
    {
        var options = Parse(args);
        var log = output ?? Console.Out;
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // Ctrl+C or SIGTERM: finish the current step, then save a checkpoint and the model.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = output is null ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            interrupt.Cancel();
        }) : null;
        if (options.WatchStdin) WatchStdin(interrupt);
        try
        {
            var result = new TrainingRun(options, log).Run(interrupt.Token);
            return result.Interrupted ? 130 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Reads standard input to its end on a thread of its own, then stops the run. The pipe's other end
    /// closes when the program that started the trainer exits, whichever way it ends.</summary>
    static void WatchStdin(CancellationTokenSource interrupt) => new Thread(() =>
    {
        try
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0) { }
        }
        catch (IOException)
        {
            // a broken pipe ends it too
        }
        try
        {
            interrupt.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the run had ended already
        }
    }) { IsBackground = true, Name = "watch-stdin" }.Start();

    public static TrainOptions Parse(string[] args)
    {
        var cmd = new CommandLine(args, Flags);
        var plans = new[] { ("minutes", PlanKind.Minutes), ("epochs", PlanKind.Epochs), ("steps", PlanKind.Steps) }
            .Where(p => cmd.Get(p.Item1) is not null).ToList();
        if (plans.Count > 1) throw new UsageException($"Give only one of --minutes, --epochs and --steps (got {string.Join(" and ", plans.Select(p => "--" + p.Item1))}).");
        PlanKind? kind = plans.Count == 1 ? plans[0].Item2 : null;
        double? amount = kind switch
        {
            PlanKind.Minutes => cmd.Double("minutes", 0, 0.01, 100_000),
            PlanKind.Epochs => cmd.Double("epochs", 0, 0.01, 100_000),
            PlanKind.Steps => cmd.Int("steps", 0, 1, 100_000_000),
            _ => null,
        };
        var preset = cmd.Get("preset");
        if (preset is not null && !Presets.Shapes.ContainsKey(preset))
            throw new UsageException($"--preset must be one of {string.Join(", ", Presets.Shapes.Keys)} (got '{preset}').");
        int? context = cmd.Get("context") is null ? null : cmd.Int("context", 0, 256, 8192);
        if (context is int c && c % 256 != 0) throw new UsageException($"--context must be a multiple of 256 (llama.cpp rounds contexts up to one); got {c}.");
        Quantization? quantize = cmd.Get("quantize")?.ToLowerInvariant() switch
        {
            null => null,
            "q8_0" => Quantization.Q8_0,
            "q4_0" => Quantization.Q4_0,
            var other => throw new UsageException($"--quantize must be q8_0 or q4_0 (got '{other}')."),
        };
        var name = cmd.Get("name");
        if (name is { Length: 0 or > 200 }) throw new UsageException("--name must have 1 to 200 characters.");
        return new TrainOptions
        {
            TextPath = cmd.Required("text"),
            OutputPath = cmd.Required("out"),
            Preset = preset,
            Context = context,
            PlanKind = kind,
            PlanAmount = amount,
            Quantize = quantize,
            ResumePath = cmd.Get("resume"),
            Threads = cmd.Int("threads", Environment.ProcessorCount, 1, 256),
            Seed = cmd.Get("seed") is null ? null : cmd.Int("seed", 1, 0, int.MaxValue),
            LearningRate = cmd.Get("lr") is null ? null : cmd.Double("lr", 0, 1e-6, 0.1),
            Name = name,
            EvalEverySteps = cmd.Get("eval-every") is null ? null : cmd.Int("eval-every", 1, 1, int.MaxValue),
            CheckpointMinutes = cmd.Double("checkpoint-minutes", 10, 0.1, 100_000),
            EvalEverySeconds = cmd.Get("eval-seconds") is null ? null : cmd.Double("eval-seconds", 0, 0.1, 1_000_000),
            ValidationShare = cmd.Get("validation-share") is null ? null : cmd.Double("validation-share", 0, 0.01, 0.5),
            ProgressSeconds = cmd.Double("progress-seconds", 10, 0.1, 3600),
            SampleEverySteps = cmd.Get("sample-every") is null ? null : cmd.Int("sample-every", 1, 1, int.MaxValue),
            SampleSeconds = cmd.Get("sample-seconds") is null ? null : cmd.Double("sample-seconds", 0, 0, 86_400),
            JsonProgress = cmd.Get("progress") switch
            {
                null or "text" => false,
                "json" => true,
                var other => throw new UsageException($"--progress must be text or json (got '{other}')."),
            },
            WatchStdin = cmd.Get("watch-stdin") switch
            {
                null or "false" => false,
                "true" => true,
                var other => throw new UsageException($"--watch-stdin must be true or false (got '{other}')."),
            },
            CommandLine = "train " + string.Join(' ', args.Select(Quote)),
        };
    }

    static string Quote(string a) => a.Length > 0 && a.All(ch => char.IsLetterOrDigit(ch) || "-_./:=,+".Contains(ch)) ? a : $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
