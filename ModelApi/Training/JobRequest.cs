using System.Text.Json;
using System.Text.RegularExpressions;
using CustomGpt.LlamaCpp.Gguf;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.Trainer.Training;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Checks a POST /v1/fine_tuning/jobs body against the trainer's own rules (presets, context, text long enough for two
/// windows) before anything is queued, and turns it into a job. A problem names its field (OpenAI's "param").
/// </summary>
static partial class JobRequest
{
    public const string ModelPrefix = "custom-gpt-";

    public sealed record Problem(string Field, string Message);

    public static (StoredJob? Job, Problem? Problem) Check(FineTuningJobRequest r, TrainingStore store, long now)
    {
        if (string.IsNullOrWhiteSpace(r.TrainingFile)) return Fail("training_file", "'training_file' is required: the id of an uploaded text (POST /v1/files).");
        if (store.FindFile(r.TrainingFile) is not { File.Purpose: FilePurposes.FineTune } file)
            return Fail("training_file", $"There is no uploaded text '{r.TrainingFile}' (POST /v1/files with purpose=fine-tune).");

        string? preset = null;
        if (r.Preset is { } p)
        {
            preset = p.StartsWith(ModelPrefix, StringComparison.Ordinal) ? p[ModelPrefix.Length..] : p;
            if (!Presets.Shapes.ContainsKey(preset))
                return Fail("preset", $"'preset' must be one of {PresetNames} (got '{p}').");
        }
        StoredJob? basis = null;
        switch (r.Model)
        {
            case null or "" when preset is null:
                return Fail("model", $"'model' is required: a preset for a new model ({PresetNames}) or a model trained here to train further.");
            case null or "":
                break;
            case var m when m.StartsWith(ModelPrefix, StringComparison.Ordinal) && Presets.Shapes.ContainsKey(m[ModelPrefix.Length..]):
                var fromModel = m[ModelPrefix.Length..];
                if (preset is not null && preset != fromModel) return Fail("preset", $"'preset' {preset} differs from the model's preset {fromModel}.");
                preset = fromModel;
                break;
            case var m:
                basis = store.Jobs.FirstOrDefault(j => j.Job.Status == FineTuningStatus.Succeeded && j.ModelName == m);
                if (basis is null)
                    return Fail("model", $"'{m}' is neither a preset ({PresetNames}) nor a model trained here (its fine_tuned_model).");
                if (!File.Exists(store.CheckpointPath(basis.Id)))
                    return Fail("model", $"'{m}' has no checkpoint left to train further.");
                if (preset is not null && preset != basis.Job.Preset) return Fail("preset", $"'preset' {preset} differs from {m}'s preset {basis.Job.Preset}.");
                preset = basis.Job.Preset;
                if (store.FindFile(basis.Job.TrainingFile)?.TextSha256 is { } sha && sha != file.TextSha256)
                    return Fail("training_file", $"{m} was trained on another text; training it further needs the same text (its character vocabulary is the text's).");
                break;
        }

        double? epochs = null;
        if (r.Hyperparameters?.NEpochs is { } n)
        {
            if (n.ValueKind == JsonValueKind.Number && n.TryGetDouble(out var e) && e is >= 0.01 and <= 100_000) epochs = e;
            else if (!(n.ValueKind == JsonValueKind.String && n.GetString() == "auto"))
                return Fail("hyperparameters.n_epochs", "'n_epochs' must be \"auto\" (one epoch) or a number from 0.01 to 100000.");
        }
        if (r.Minutes is { } minutes)
        {
            if (epochs is not null) return Fail("minutes", "Give 'minutes' or 'hyperparameters.n_epochs', not both.");
            if (minutes is < 0.05 or > 100_000) return Fail("minutes", "'minutes' must be from 0.05 to 100000.");
        }
        if (r.Context is { } c)
        {
            if (c is < 256 or > 8192 || c % 256 != 0) return Fail("context", $"'context' must be a multiple of 256 from 256 to 8192 (got {c}).");
            if (basis is not null && c != (basis.Job.Context ?? Presets.Shapes[preset!].ContextLength)) return Fail("context", $"'context' must stay {basis.Job.Context ?? Presets.Shapes[preset!].ContextLength} when training {r.Model} further.");
        }
        if (r.Quantize is { } q && q is not ("q8_0" or "q4_0")) return Fail("quantize", $"'quantize' must be q8_0 or q4_0 (got '{q}').");
        if (r.ValidationShare is { } v && (v is < 0.01 or > 0.5 || basis is not null))
            return Fail("validation_share", basis is null ? "'validation_share' must be from 0.01 to 0.5." : "'validation_share' is the trained model's own when training it further; leave it out.");
        if (r.Seed is < 0) return Fail("seed", "'seed' must be 0 or more.");
        if (r.Suffix is { } suffix && !SuffixPattern().IsMatch(suffix))
            return Fail("suffix", "'suffix' must have 1 to 40 characters: letters, digits, '-' and '_'.");

        // The text must hold two windows of the context (training and validation): the trainer's own check.
        var (corpus, problem) = TrainingText.Check(file.Path, file.File.Filename);
        if (corpus is null) return Fail("training_file", problem!);
        var context = r.Context ?? basis?.Job.Context ?? Presets.Shapes[preset!].ContextLength;
        try
        {
            _ = new TrainingData(corpus.Tokens, corpus.LineStarts, context, Vocabulary.Bos, 16, r.ValidationShare ?? basis?.Job.ValidationShare ?? TrainingData.ValidationFraction);
        }
        catch (TrainingInputException e)
        {
            return Fail("training_file", e.Message);
        }

        var id = TrainingStore.NewId("ftjob-");
        var name = string.Join(':', new[] { ModelPrefix + preset, r.Suffix, id[^6..] }.Where(s => !string.IsNullOrEmpty(s)));
        var job = new FineTuningJob
        {
            Id = id, Model = r.Model is { Length: > 0 } model ? model : ModelPrefix + preset, CreatedAt = now, Status = FineTuningStatus.Queued,
            TrainingFile = file.File.Id, Hyperparameters = new FineTuningHyperparameters(epochs is double ep ? JsonSerializer.SerializeToElement(ep) : r.Minutes is null ? JsonSerializer.SerializeToElement("auto") : null),
            Seed = r.Seed ?? basis?.Job.Seed ?? Random.Shared.Next(1, int.MaxValue), Suffix = r.Suffix, Preset = preset!, Minutes = r.Minutes,
            Context = r.Context ?? basis?.Job.Context, Quantize = r.Quantize, ValidationShare = r.ValidationShare ?? basis?.Job.ValidationShare,
        };
        return (new StoredJob(job, epochs, basis is null ? null : store.CheckpointPath(basis.Id), name), null);
    }

    static string PresetNames => string.Join(", ", Presets.Shapes.Keys.Select(k => ModelPrefix + k));

    static (StoredJob?, Problem?) Fail(string field, string message) => (null, new Problem(field, message));

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex SuffixPattern();
}
