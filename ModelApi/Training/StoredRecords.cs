using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Training;

/// <summary>A file as kept: what the API shows, where it is, and (for a text) its SHA-256 as the trainer computes it.</summary>
sealed record StoredFile(FileObject File, string Path, string? TextSha256 = null);

/// <summary>A job as kept: what the API shows, and how to run it. <see cref="ContinueFrom"/>: the checkpoint of the
/// model this job trains further (null for a new model); <see cref="Epochs"/>: the plan when not in minutes;
/// <see cref="ModelName"/>: the name it is served under once it succeeds (fine_tuned_model).</summary>
sealed record StoredJob(FineTuningJob Job, double? Epochs, string? ContinueFrom, string ModelName)
{
    public string Id => Job.Id;
}

/// <summary>Everything training keeps across restarts, as one small JSON file.</summary>
sealed class TrainingStateFile
{
    public List<StoredFile> Files { get; set; } = [];
    public List<StoredJob> Jobs { get; set; } = [];
}
