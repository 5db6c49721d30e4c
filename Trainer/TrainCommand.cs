using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer;

/// <summary>train: a character-level GPT from a text file, through llama.cpp's own optimizer.</summary>
public static class TrainCommand
{
    const string Description = """
        Trains a character-level llama model on a UTF-8 text with llama.cpp's AdamW. Writes PATH.gguf and, beside it,
        PATH.ckpt.gguf (checkpoint: each epoch, every --checkpoint-minutes, at the end and on Ctrl+C or SIGTERM),
        PATH.report.md and PATH.loss.svg. Exit codes: 0 done, 1 bad data or files, 2 bad command line, 130 stopped
        early (Ctrl+C, SIGTERM, --watch-stdin) with its checkpoint saved.
        """;

    /// <summary>The train command; its action trains, writing to <paramref name="output"/> (default: standard
    /// output) and stopping early when <paramref name="cancel"/> fires.</summary>
    public static Command Create(TextWriter? output = null, CancellationToken cancel = default)
    {
        var flags = new Flags();
        var command = flags.Command();
        command.SetAction(result => Run(flags.Read(result), output, cancel));
        return command;
    }

    /// <summary>Reads a train command line (without the word "train") into options, as the command would;
    /// bad input throws <see cref="ArgumentException"/> with the parser's messages.</summary>
    public static TrainOptions Parse(string[] args)
    {
        var flags = new Flags();
        var result = flags.Command().Parse(args, TrainerCli.Parsing);
        if (result.Errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, result.Errors.Select(OptionRules.Describe)));
        return flags.Read(result);
    }

    /// <summary>The options of train, made once per command (an option belongs to one command).</summary>
    sealed class Flags
    {
        readonly Option<string> text = new("--text") { Required = true, HelpName = "FILE", Description = "The UTF-8 text to train on." };
        readonly Option<string> output = new("--out")
        {
            Required = true,
            HelpName = "PATH.gguf",
            Description = "The model to write; the checkpoint, report and loss chart go beside it.",
        };
        readonly Option<string?> preset = new Option<string?>("--preset")
        {
            HelpName = string.Join('|', Presets.Shapes.Keys),
            Description = "The model's size [default: medium]: tiny 64 wide x 2 layers, context 256 | small 192 x 4, 256 | medium 256 x 6, 512.",
        }.AcceptOnlyFromAmong([.. Presets.Shapes.Keys]);
        readonly Option<double> minutes = new Option<double>("--minutes") { HelpName = "N", Description = "Train for N minutes (with --resume: N more)." }
            .Within(0.01, 100_000d);
        readonly Option<double> epochs = new Option<double>("--epochs") { HelpName = "N", Description = "Train for N passes over the text (with --resume: N more) [default: 1]." }
            .Within(0.01, 100_000d);
        readonly Option<int> steps = new Option<int>("--steps") { HelpName = "N", Description = "Train for N optimizer steps (with --resume: N more)." }
            .Within(1, 100_000_000);
        readonly Option<string?> quantize = OptionRules.QuantizeOption("Also quantize the final model.");
        readonly Option<string?> resume = new("--resume")
        {
            HelpName = "CHECKPOINT",
            Description = "Continue a checkpoint's plan, or train N more with --minutes, --epochs or --steps.",
        };
        readonly Option<int> threads = new Option<int>("--threads") { HelpName = "N", Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount }
            .Within(1, 256);
        readonly Option<int> seed = new Option<int>("--seed") { HelpName = "N", Description = "Seed of the initial weights and the batch order [default: 1]." }
            .Within(0, int.MaxValue);
        readonly Option<double> learningRate = new Option<double>("--lr") { HelpName = "RATE", Description = "AdamW's learning rate [default: 0.002]." }
            .Within(1e-6, 0.1);
        readonly Option<int> context = new Option<int>("--context") { HelpName = "N", Description = "Context length, a multiple of 256 [default: the preset's]." }
            .Within(256, 8192)
            .Check(c => c % 256 != 0 ? $"--context must be a multiple of 256 (llama.cpp rounds contexts up to one); got {c}." : null);
        readonly Option<string?> name = new Option<string?>("--name") { HelpName = "NAME", Description = "The model's name in its metadata [default: the file name]." }
            .Check(n => n is { Length: 0 or > 200 } ? "--name must have 1 to 200 characters." : null);
        readonly Option<int> evalEvery = new Option<int>("--eval-every") { HelpName = "STEPS", Description = "Validate every STEPS steps [default: about 10 times a run and at each epoch end]." }
            .Within(1, int.MaxValue);
        readonly Option<double> evalSeconds = new Option<double>("--eval-seconds") { HelpName = "N", Description = "Also validate at least every N seconds of training." }
            .Within(0.1, 1_000_000d);
        readonly Option<double> checkpointMinutes = new Option<double>("--checkpoint-minutes") { HelpName = "N", Description = "Save a checkpoint every N minutes.", DefaultValueFactory = _ => 10 }
            .Within(0.1, 100_000d);
        readonly Option<double> validationShare = new Option<double>("--validation-share") { HelpName = "0.01-0.5", Description = "The share of the text held out for validation." }
            .Within(0.01, 0.5);
        readonly Option<string> progress = new Option<string>("--progress")
        {
            HelpName = "text|json",
            Description = "json also prints each event as a JSON line (for programs that run the trainer).",
            DefaultValueFactory = _ => "text",
        }.AcceptOnlyFromAmong("text", "json");
        readonly Option<double> progressSeconds = new Option<double>("--progress-seconds") { HelpName = "N", Description = "Report progress every N seconds.", DefaultValueFactory = _ => 10 }
            .Within(0.1, 3600d);
        readonly Option<int> sampleEvery = new Option<int>("--sample-every") { HelpName = "STEPS", Description = "Print a sample of 80 characters from the current weights every STEPS steps." }
            .Within(1, int.MaxValue);
        readonly Option<double> sampleSeconds = new Option<double>("--sample-seconds")
        {
            HelpName = "N",
            Description = "Also print a sample every N seconds of training, 0 for none [default: 10; none when --sample-every is given]. The final model's samples go into the report.",
        }.Within(0, 86_400d);
        readonly Option<bool> watchStdin = new("--watch-stdin")
        {
            // A value is required ("--watch-stdin true"), as programs that run the trainer pass it.
            Arity = ArgumentArity.ExactlyOne,
            HelpName = "true|false",
            Description = "true stops as Ctrl+C does when standard input closes: a program that runs the trainer keeps it open, so the trainer also stops, with its checkpoint saved, when that program dies (even killed).",
        };

        public Command Command()
        {
            var command = new Command("train", Description)
            {
                text, output, preset, minutes, epochs, steps, quantize, resume, threads, seed, learningRate, context, name,
                evalEvery, evalSeconds, checkpointMinutes, validationShare, progress, progressSeconds, sampleEvery, sampleSeconds, watchStdin,
            };
            command.Validators.Add(result =>
            {
                var plans = new Option[] { minutes, epochs, steps }.Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
                if (plans.Count > 1) result.AddError($"Give only one of --minutes, --epochs and --steps (got {string.Join(" and ", plans)}).");
            });
            return command;
        }

        public TrainOptions Read(ParseResult result)
        {
            (PlanKind? kind, double? amount) = (null, null);
            if (result.GetGivenValue(minutes) is { } m) (kind, amount) = (PlanKind.Minutes, m);
            else if (result.GetGivenValue(epochs) is { } e) (kind, amount) = (PlanKind.Epochs, e);
            else if (result.GetGivenValue(steps) is { } s) (kind, amount) = (PlanKind.Steps, s);
            return new TrainOptions
            {
                TextPath = result.GetRequiredValue(text),
                OutputPath = result.GetRequiredValue(output),
                Preset = result.GetValue(preset),
                Context = result.GetGivenValue(context),
                PlanKind = kind,
                PlanAmount = amount,
                Quantize = OptionRules.Quantization(result.GetValue(quantize)),
                ResumePath = result.GetValue(resume),
                Threads = result.GetValue(threads),
                Seed = result.GetGivenValue(seed),
                LearningRate = result.GetGivenValue(learningRate),
                Name = result.GetValue(name),
                EvalEverySteps = result.GetGivenValue(evalEvery),
                CheckpointMinutes = result.GetValue(checkpointMinutes),
                EvalEverySeconds = result.GetGivenValue(evalSeconds),
                ValidationShare = result.GetGivenValue(validationShare),
                ProgressSeconds = result.GetValue(progressSeconds),
                SampleEverySteps = result.GetGivenValue(sampleEvery),
                SampleSeconds = result.GetGivenValue(sampleSeconds),
                JsonProgress = result.GetValue(progress) == "json",
                WatchStdin = result.GetValue(watchStdin),
                CommandLine = "train " + string.Join(' ', result.Tokens.Where(t => t.Type is TokenType.Option or TokenType.Argument).Select(t => Quote(t.Value))),
            };
        }
    }

    static int Run(TrainOptions options, TextWriter? output, CancellationToken cancel)
    {
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

    static string Quote(string a) => a.Length > 0 && a.All(ch => char.IsLetterOrDigit(ch) || "-_./:=,+".Contains(ch)) ? a : $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
