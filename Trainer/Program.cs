using CustomGpt.LlamaCpp;
using CustomGpt.Trainer;
using CustomGpt.Trainer.Training;

const string usage = $"""
    Usage: dotnet run --project Trainer -- COMMAND [options]

    {MakeModelCommand.Usage}

    {TrainCommand.Usage}
    """;

try
{
    return args switch
    {
        ["make-model", .. var rest] => MakeModelCommand.Run(rest),
        ["train", .. var rest] => TrainCommand.Run(rest),
        ["--help" or "-h" or "help"] => Help(),
        _ => throw new UsageException("Name a command."),
    };
}
catch (Exception e) when (e is UsageException or ResumeOptionsException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(usage);
    return 2;
}
catch (Exception e) when (e is TrainingInputException or LlamaException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}

static int Help()
{
    Console.WriteLine(usage);
    return 0;
}
