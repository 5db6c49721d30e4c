using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// A checkpoint: the current weights as a loadable GGUF model that also carries the training state
/// (<see cref="TrainingState.MetadataKey"/>), so <c>--resume</c> can go on from it.
/// </summary>
static class Checkpoint
{
    public static string PathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".ckpt.gguf";

    public static void Save(TrainingContext trainer, string checkpoint, TrainingState state, Vocabulary vocabulary, TextWriter log)
    {
        var raw = checkpoint + ".raw.tmp";
        try
        {
            trainer.SaveRaw(raw);
            TrainedModelWriter.Write(raw, checkpoint, state.Shape, vocabulary, state.Name,
                new Dictionary<string, string> { [TrainingState.MetadataKey] = state.ToJson() });
        }
        finally
        {
            File.Delete(raw);
        }
        log.WriteLine($"Checkpoint: {checkpoint} (step {state.Step}).");
    }
}
