using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// One <c>train</c> run: character vocabulary, a fresh (or resumed) llama model, llama.cpp's AdamW over
/// shuffled windows with warm-up and cosine decay, validation on held-out text, checkpoints, the final
/// GGUF (optionally quantized), a markdown report and a loss-curve SVG. The parts: <see cref="RunSetup"/>,
/// <see cref="StepLoop"/> (its policy in <see cref="TrainingCadence"/> and <see cref="LearningRateSchedule"/>)
/// and <see cref="RunFinish"/>.
/// </summary>
public sealed class TrainingRun(TrainOptions options, TextWriter log)
{
    public static string CheckpointPathFor(string output) => Checkpoint.PathFor(output);
    public static string ReportPathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".report.md";
    public static string CurvePathFor(string output) => Path.ChangeExtension(Path.GetFullPath(output), null) + ".loss.svg";

    public TrainResult Run(CancellationToken cancel = default)
    {
        var output = Path.GetFullPath(options.OutputPath);
        var checkpoint = CheckpointPathFor(output);
        var setup = new RunSetup(options, output);
        var (state, corpus, data) = (setup.State, setup.Corpus, setup.Data);
        var shape = state.Shape;
        log.WriteLine($"Text: {corpus.Path}: {corpus.Bytes:N0} bytes, {corpus.Tokens.Length:N0} characters, {corpus.Vocabulary.PieceCount} distinct " +
                      $"(vocabulary {corpus.Vocabulary.Count} tokens with <unk>, <s>, </s> and 256 byte tokens).");
        log.WriteLine($"Split: {data.TrainingTokens:N0} training characters ({data.WindowsPerEpoch:N0} windows of {shape.ContextLength} per epoch), " +
                      $"{data.ValidationTokens:N0} held out ({data.ValidationRanges.Count} pieces; {data.ValidationStarts.Count} validation windows).");

        bool interrupted;
        using (var trainer = CreateTrainer(output, state, corpus.Vocabulary, data.WindowsPerEpoch))
        {
            log.WriteLine($"Model: {shape.EmbeddingLength} wide, {shape.Layers} layers, {shape.Heads} heads, feed-forward {shape.FeedForwardLength}, " +
                          $"context {shape.ContextLength}: {trainer.ParameterCount:N0} parameters. {options.Threads} thread{(options.Threads == 1 ? "" : "s")}.");
            log.WriteLine($"Plan: {state.Plan.Describe()} from step {state.Plan.StartStep}; AdamW, learning rate {state.PeakLearningRate:0.####} " +
                          $"(warm-up {state.WarmupSteps} steps, cosine decay to {state.MinLearningRate:0.#####}).");
            if (options.JsonProgress)
                log.WriteLine(new ProgressLine { Event = ProgressLine.Start, Step = state.Step, Parameters = (long)trainer.ParameterCount, Tokens = state.TokensTrained }.ToJson());
            void Save()
            {
                Checkpoint.Save(trainer, checkpoint, state, corpus.Vocabulary, log);
                if (options.JsonProgress) log.WriteLine(new ProgressLine { Event = ProgressLine.Checkpointed, Step = state.Step }.ToJson());
            }
            var sample = new RunningSample(trainer, state, corpus.Vocabulary, output, options, log);
            interrupted = new StepLoop(trainer, state, data, options, Save, sample.Write, log).Run(cancel);
            Save();
        }
        return new RunFinish(options, state, corpus, data, log).Write(output, checkpoint, interrupted);
    }

    /// <summary>llama.cpp's optimizer on the checkpoint's weights, or on random ones written by our own GGUF writer.</summary>
    TrainingContext CreateTrainer(string output, TrainingState state, Vocabulary vocabulary, int windowsPerEpoch)
    {
        var initPath = output + ".init.tmp.gguf";
        var modelPath = options.ResumePath is null ? initPath : Path.GetFullPath(options.ResumePath);
        if (options.ResumePath is null)
            LlamaModelWriter.WriteRandom(initPath, state.Shape, vocabulary, state.Name, (ulong)state.Seed, GgmlType.F32);
        var schedule = new LearningRateSchedule(state.PeakLearningRate, state.MinLearningRate, state.WarmupSteps);
        var sessionStart = state.Step;
        try
        {
            return TrainingContext.Create(modelPath, state.Shape.ContextLength, options.Threads,
                step => (float)schedule.At(state.Plan.Progress(step, state.TrainedSeconds, windowsPerEpoch), step - sessionStart),
                new AdamWSettings(), state.Step);
        }
        finally
        {
            if (options.ResumePath is null) File.Delete(initPath); // loaded into memory (no mmap): not needed any more
        }
    }
}
