using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Training;

/// <summary>What training jobs read from the environment (docs/training.md "Settings").</summary>
public sealed record TrainingSettings
{
    /// <summary>DATA_DIR: files, jobs and trained models live here; by default the keys database's folder.</summary>
    public required string DataDir { get; init; }
    /// <summary>TRAIN_MAX_BYTES: the largest training text accepted by POST /v1/files.</summary>
    public long MaxBytes { get; init; } = 32L << 20;
    /// <summary>TRAIN_THREADS: the trainer's threads; by default one fewer than the cores, so serving keeps one.</summary>
    public int Threads { get; init; } = DefaultThreads;
    /// <summary>TRAIN_PROGRESS_SECONDS: how often a running job reports a progress point.</summary>
    public double ProgressSeconds { get; init; } = 2;
    /// <summary>TRAIN_EVAL_SECONDS: how often a running job measures the validation loss (besides epoch ends).</summary>
    public double EvalSeconds { get; init; } = 10;
    /// <summary>TRAIN_SAMPLE_SECONDS: how often a running job draws a sample of text from its current weights.</summary>
    public double SampleSeconds { get; init; } = 10;
    /// <summary>TRAIN_OUTPUT_URL, TRAIN_OUTPUT_POLL_SECONDS: the bucket trained models are kept in and served from; null for none.</summary>
    public Bucket.TrainingBucketSettings? Bucket { get; init; }

    public static int DefaultThreads => Math.Max(1, Environment.ProcessorCount - 1);

    public string FilesDir => Path.Combine(DataDir, "training", "files");
    public string JobsDir => Path.Combine(DataDir, "training", "jobs");
    public string StatePath => Path.Combine(DataDir, "training", "state.json");
    /// <summary>Trained models, one GGUF per served name; loaded again at every start.</summary>
    public string ModelsDir => Path.Combine(DataDir, "models");

    public static TrainingSettings FromConfiguration(IConfiguration config, ModelApiSettings api)
    {
        var errors = new List<string>();
        long maxBytes = 32L << 20;
        if (config["TRAIN_MAX_BYTES"] is { Length: > 0 } rawMax && !(long.TryParse(rawMax, out maxBytes) && maxBytes is >= 1024 and <= 1L << 30))
            errors.Add($"TRAIN_MAX_BYTES='{rawMax}' must be a whole number of bytes from 1024 to 1073741824 (1 GiB, the trainer's limit).");
        var threads = DefaultThreads;
        if (config["TRAIN_THREADS"] is { Length: > 0 } rawThreads && !(int.TryParse(rawThreads, out threads) && threads is >= 1 and <= 256))
            errors.Add($"TRAIN_THREADS='{rawThreads}' must be a whole number from 1 to 256.");
        double Seconds(string key, double fallback)
        {
            if (config[key] is not { Length: > 0 } raw) return fallback;
            if (double.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var v) && v is >= 0.1 and <= 3600) return v;
            errors.Add($"{key}='{raw}' must be a number of seconds from 0.1 to 3600.");
            return fallback;
        }
        var settings = new TrainingSettings
        {
            DataDir = Path.GetFullPath(config["DATA_DIR"] is { Length: > 0 } dir ? dir.Trim() : Path.GetDirectoryName(Path.GetFullPath(api.KeysDb))!),
            MaxBytes = maxBytes,
            Threads = threads,
            ProgressSeconds = Seconds("TRAIN_PROGRESS_SECONDS", 2),
            EvalSeconds = Seconds("TRAIN_EVAL_SECONDS", 10),
            SampleSeconds = Seconds("TRAIN_SAMPLE_SECONDS", 10),
            Bucket = Training.Bucket.TrainingBucketSettings.FromConfiguration(config, errors),
        };
        if (errors.Count > 0) throw new InvalidSettingsException("Invalid configuration: " + string.Join(" ", errors));
        return settings;
    }
}
