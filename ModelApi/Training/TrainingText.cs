using CustomGpt.Trainer.Training;

namespace CustomGpt.ModelApi.Training;

/// <summary>A training text checked by the trainer's own rules (<see cref="CharCorpus.Load"/>): UTF-8, not binary,
/// not empty, a character vocabulary that fits. The trainer's messages name its --text flag and the stored path;
/// the API's name the uploaded file instead.</summary>
static class TrainingText
{
    public static (CharCorpus? Corpus, string? Problem) Check(string path, string shownName)
    {
        try
        {
            return (CharCorpus.Load(path), null);
        }
        catch (TrainingInputException e)
        {
            return (null, e.Message.Replace("--text: ", "", StringComparison.Ordinal).Replace(path, shownName, StringComparison.Ordinal));
        }
    }
}
