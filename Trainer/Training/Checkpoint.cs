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
        WriteWeights(trainer, checkpoint, state, vocabulary, new Dictionary<string, string> { [TrainingState.MetadataKey] = state.ToJson() });
        log.WriteLine($"Checkpoint: {checkpoint} (step {state.Step}).");
    }

    /// <summary>The current weights as a loadable GGUF model at <paramref name="path"/> (a checkpoint with the training
    /// state as <paramref name="metadata"/>, or a running sample's scratch model without).</summary>
    public static void WriteWeights(TrainingContext trainer, string path, TrainingState state, Vocabulary vocabulary, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var raw = path + ".raw.tmp";
        try
        {
            trainer.SaveRaw(raw);
            TrainedModelWriter.Write(raw, path, state.Shape, vocabulary, state.Name, metadata);
        }
        finally
        {
            File.Delete(raw);
        }
    }
}
