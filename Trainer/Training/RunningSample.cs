using System.Diagnostics;
using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// A sample of text while the run trains: the current weights are saved to a scratch GGUF beside the output (as a
/// checkpoint is, without the training state) and loaded as a model of its own, so generating never touches the
/// training context and its optimizer. Same seed every time: two samples differ only by what the model learned between them.
/// </summary>
sealed class RunningSample(TrainingContext trainer, TrainingState state, Vocabulary vocabulary, string output, TrainOptions options, TextWriter log)
{
    /// <summary>About a line of text; short enough that the whole draw costs little training time.</summary>
    public const int Characters = 80;

    readonly string scratch = ScratchPathFor(output);

    public void Write()
    {
        var watch = Stopwatch.StartNew();
        string text;
        try
        {
            text = Draw();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LlamaException)
        {
            // A sample is a look at the model, not part of the run: training goes on without this one.
            log.WriteLine($"Sample at step {state.Step} failed: {e.Message}");
            return;
        }
        log.WriteLine($"Sample at step {state.Step} ({watch.Elapsed.TotalMilliseconds:F0} ms): {text.ReplaceLineEndings(" ")}");
        if (options.JsonProgress) log.WriteLine(new ProgressLine { Event = ProgressLine.Sample, Step = state.Step, Prompt = "", Text = text }.ToJson());
    }

    string Draw()
    {
        try
        {
            Checkpoint.WriteWeights(trainer, scratch, state, vocabulary);
            using var model = LlamaModel.Load(scratch);
            // The prompt (BOS alone) and the text must fit the model's context: SampleGenerator checks it before llama.cpp.
            var characters = Math.Min(Characters, model.TrainedContextLength - 32);
            // One thread: a one-token decode is mostly ggml's thread barriers, and the trainer's threads are busy.
            return SampleGenerator.Generate(model, "", characters, seed: (uint)state.Seed, threads: 1);
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    /// <summary>Where the scratch model goes (deleted after each sample).</summary>
    public static string ScratchPathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".sample.tmp.gguf";
}
