using System.CommandLine;
using System.CommandLine.Invocation;
using CustomGpt.LlamaCpp;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer;

/// <summary>
/// The trainer's command line (System.CommandLine): make-model and train, with generated --help.
/// Exit codes: 0 done (and --help), 1 bad data or files ("error: ..."), 2 bad command line (the message names the
/// option), 130 training stopped early with its checkpoint saved.
/// </summary>
public static class TrainerCli
{
    /// <summary>Arguments are taken as given: no @response files (a path or a model name may start with '@').</summary>
    internal static ParserConfiguration Parsing => new() { ResponseFileTokenReplacer = null };

    public static RootCommand Create(TextWriter? output = null, CancellationToken cancel = default) =>
        new("CustomGpt's trainer: random llama-architecture models for tests and benchmarks, and character-level models trained with llama.cpp.")
        {
            MakeModelCommand.Create(),
            TrainCommand.Create(output, cancel),
        };

    /// <summary>Runs a command line as the Trainer program does; <paramref name="output"/> (train's log) and
    /// <paramref name="error"/> default to the console, <paramref name="cancel"/> stops training early.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancel = default)
    {
        error ??= Console.Error;
        var result = Create(output, cancel).Parse(args, Parsing);
        if (result.Action is ParseErrorAction)
        {
            foreach (var e in result.Errors) error.WriteLine(OptionRules.Describe(e));
            var command = result.CommandResult.Command is RootCommand ? "" : result.CommandResult.Command.Name + " ";
            error.WriteLine($"See 'Trainer {command}--help' for the options.");
            return 2;
        }
        try
        {
            return result.Invoke(new InvocationConfiguration
            {
                // train handles Ctrl+C and SIGTERM itself: it finishes its step and saves a checkpoint before exiting.
                ProcessTerminationTimeout = null,
                // Failures are mapped to exit codes below, not printed as stack traces.
                EnableDefaultExceptionHandler = false,
                Output = output ?? Console.Out,
                Error = error,
            });
        }
        catch (ResumeOptionsException e)
        {
            error.WriteLine(e.Message);
            return 2;
        }
        catch (Exception e) when (e is TrainingInputException or LlamaException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
