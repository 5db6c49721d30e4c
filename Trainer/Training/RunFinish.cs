using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Training;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// A run's finish, after the last checkpoint: the final model (the checkpoint's weights without the
/// training state, optionally quantized), samples from it, the report and the loss curve.
/// </summary>
sealed class RunFinish(TrainOptions options, TrainingState state, CharCorpus corpus, TrainingData data, TextWriter log)
{
    public TrainResult Write(string output, string checkpoint, bool interrupted)
    {
        WriteFinalModel(checkpoint, output);
        var samples = MakeSamples(output);
        var report = TrainingRun.ReportPathFor(output);
        var curve = TrainingRun.CurvePathFor(output);
        LossCurve.Write(curve, state);
        TrainingReport.Write(report, output, curve, state, corpus, data, samples, options.Quantize);
        log.WriteLine($"Wrote {output} ({new FileInfo(output).Length / 1e6:F1} MB), checkpoint {Path.GetFileName(checkpoint)}, " +
                      $"report {Path.GetFileName(report)}, loss curve {Path.GetFileName(curve)}.");
        if (options.JsonProgress)
        {
            foreach (var (prompt, text) in samples) log.WriteLine(new ProgressLine { Event = ProgressLine.Sample, Step = state.Step, Prompt = prompt, Text = text }.ToJson());
            log.WriteLine(new ProgressLine
            {
                Event = ProgressLine.Done, Step = state.Step, Loss = state.LastTrainLoss, ValidationLoss = state.LastValidationLoss,
                Tokens = state.TokensTrained, ElapsedSeconds = state.TrainedSeconds, Interrupted = interrupted,
                TokensPerSecond = state.TokensTrained / Math.Max(state.StepSeconds, 1e-9),
            }.ToJson());
        }
        if (interrupted) log.WriteLine($"Resume with: train --text {options.TextPath} --out {options.OutputPath} --resume {checkpoint}");
        return new TrainResult(output, checkpoint, report, curve, state, samples, interrupted);
    }

    void WriteFinalModel(string checkpoint, string output)
    {
        // The checkpoint already has the final weights; the model is the same file minus the training state.
        var f32 = options.Quantize is null ? output : output + ".f32.tmp";
        try
        {
            TrainedModelWriter.Write(checkpoint, f32, state.Shape, corpus.Vocabulary, state.Name,
                new Dictionary<string, string>
                {
                    ["general.description"] = $"Character-level llama model trained by CustomGpt's trainer on {state.TextFile} " +
                                              $"({state.Step:N0} steps, validation loss {state.LastValidationLoss:F3} nats per character).",
                });
            if (options.Quantize is { } q)
            {
                log.WriteLine($"Quantizing to {q}...");
                ModelQuantizer.Quantize(f32, output, q, options.Threads);
            }
        }
        finally
        {
            if (options.Quantize is not null) File.Delete(f32);
        }
    }

    List<(string Prompt, string Text)> MakeSamples(string output)
    {
        var samples = new List<(string, string)>();
        if (options.Samples <= 0) return samples;
        using var model = LlamaModel.Load(output);
        var length = Math.Min(200, model.TrainedContextLength - 32);
        // From BOS alone (what an empty prompt gives in ModelApi), and the last one from a held-out line's first words.
        var heldOut = FirstWordsOfValidationLines().FirstOrDefault() ?? "";
        var prompts = Enumerable.Range(0, options.Samples).Select(i => i == options.Samples - 1 && i > 0 ? heldOut : "").ToList();
        // One thread: a one-token decode is mostly ggml's thread barriers, which crawl on a busy machine.
        for (var i = 0; i < prompts.Count; i++)
            samples.Add((prompts[i], SampleGenerator.Generate(model, prompts[i], length, seed: (uint)(42 + i), threads: 1)));
        return samples;
    }

    /// <summary>The first words of a held-out line: a prompt the model has not trained on.</summary>
    IEnumerable<string> FirstWordsOfValidationLines()
    {
        foreach (var (start, end) in data.ValidationRanges)
        {
            var line = Array.Find(corpus.LineStarts, s => s >= start && s + 40 < end);
            if (line == 0 && start > 0) continue;
            var words = corpus.Decode(corpus.Tokens.AsSpan(line, 40)).Split(' ');
            if (words.Length < 4) continue;
            yield return string.Join(' ', words.Take(3)) + " ";
        }
    }
}
