using System.Globalization;
using System.Text;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.Trainer.Training;

/// <summary>The markdown report written next to the model: data, shape, time, losses, samples.</summary>
public static class TrainingReport
{
    public static void Write(string path, string modelPath, string curvePath, TrainingState s, CharCorpus corpus, TrainingData data,
        IReadOnlyList<(string Prompt, string Text)> samples, Quantization? quantization)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        void L(FormattableString? line = null) => md.AppendLine(line?.ToString(inv) ?? "");

        var model = new FileInfo(modelPath);
        L($"# Training report: {s.Name}");
        L();
        L($"Model file: `{model.Name}` ({model.Length / 1e6:F1} MB, {(quantization is { } q ? q.ToString() : "F32")}); loss curve: `{Path.GetFileName(curvePath)}`.");
        L();
        L($"![loss curve]({Path.GetFileName(curvePath)})");
        L();
        L($"## Data");
        L();
        L($"| | |");
        L($"| --- | --- |");
        L($"| text | `{s.TextFile}`: {s.TextBytes:N0} bytes, {s.TextCharacters:N0} characters |");
        L($"| SHA-256 (after line-ending normalisation) | `{s.TextSha256}` |");
        L($"| vocabulary | {corpus.Vocabulary.Count} tokens: {corpus.Vocabulary.PieceCount} characters + `<unk>`, `<s>`, `</s>` and 256 byte tokens |");
        L($"| training split | {data.TrainingTokens:N0} characters, {data.WindowsPerEpoch:N0} windows of {s.Shape.ContextLength} per epoch, shuffled each epoch; {TrainingData.BosFraction * 100:0.#}% start with `<s>` at a line start |");
        L($"| held-out split | {data.ValidationTokens:N0} characters in {data.ValidationRanges.Count} evenly spaced pieces; {data.ValidationStarts.Count} validation windows |");
        L();
        L($"## Model and training");
        L();
        L($"| | |");
        L($"| --- | --- |");
        L($"| shape | preset `{s.Preset}`: embedding {s.Shape.EmbeddingLength}, {s.Shape.Layers} layers, {s.Shape.Heads} heads ({s.Shape.KvHeads} KV), feed-forward {s.Shape.FeedForwardLength}, context {s.Shape.ContextLength} |");
        L($"| optimizer | llama.cpp AdamW (β1 0.9, β2 0.99, no weight decay), one {s.Shape.ContextLength}-character window per step |");
        L($"| learning rate | {s.PeakLearningRate:0.####} peak, {s.WarmupSteps}-step linear warm-up, cosine decay to {s.MinLearningRate:0.#####} over the plan ({s.Plan.Describe()}) |");
        L($"| steps | {s.Step:N0} ({s.TokensTrained:N0} characters, {s.TokensTrained / (double)Math.Max(1, data.TrainingTokens):F2} epochs) |");
        L($"| time | {s.TrainedSeconds / 60:F1} minutes in {s.Sessions} session{(s.Sessions == 1 ? "" : "s")}, {s.Threads} thread{(s.Threads == 1 ? "" : "s")}, {s.TokensTrained / Math.Max(1e-9, s.StepSeconds):N0} characters/s while training |");
        L($"| validation loss | {s.InitialValidationLoss:F3} at the start → **{s.LastValidationLoss:F3}** nats per character ({s.LastValidationLoss / Math.Log(2):F2} bits) |");
        L($"| seed | {s.Seed} |");
        L();
        L($"## Loss per epoch");
        L();
        L($"| epoch | steps | training loss | validation loss | minutes |");
        L($"| ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in s.Epochs)
            L($"| {e.Epoch} | {e.Steps:N0} | {e.TrainLoss:F3} | {Loss(e.ValidationLoss)} | {e.Seconds / 60:F1} |");
        if (s.EpochLossWindows > 0)
        {
            var fraction = s.EpochIndex / (double)Math.Max(1, data.WindowsPerEpoch);
            L($"| {s.Epoch + 1} ({fraction * 100:F0}% of it) | {s.Step:N0} | {s.EpochLossSum / s.EpochLossWindows:F3} | {Loss(s.LastValidationLoss)} | {s.TrainedSeconds / 60:F1} |");
        }
        L();
        L($"## Samples");
        L();
        L($"Temperature {GenerationLimits.DefaultTemperature}, top-k {GenerationLimits.DefaultTopK}, top-p {GenerationLimits.DefaultTopP}, min-p {GenerationLimits.DefaultMinP} (ModelApi's defaults); seeds 42, 43, ...; an empty prompt starts from `<s>`.");
        L();
        foreach (var (prompt, text) in samples)
        {
            L($"Prompt {(prompt.Length == 0 ? "(empty)" : $"`{prompt.Trim()}`")}:");
            L();
            L($"```text");
            L($"{prompt}{text}");
            L($"```");
            L();
        }
        L($"## Commands");
        L();
        L($"```sh");
        foreach (var c in s.Commands) L($"{c}");
        L($"```");
        File.WriteAllText(path, md.ToString());
    }

    static string Loss(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
}
