using CustomGpt.ModelApi.Hosting.CloudStorage;

namespace CustomGpt.ModelApi.Training.Bucket;

/// <summary>TRAIN_OUTPUT_URL=gs://BUCKET/PREFIX: trained models go there and every instance serves what is there,
/// looking again every TRAIN_OUTPUT_POLL_SECONDS (docs/training.md "Trained models in a bucket").</summary>
public sealed record TrainingBucketSettings(CloudStorageFolder Folder, TimeSpan PollInterval)
{
    public const int DefaultPollSeconds = 60;

    /// <summary>Null when TRAIN_OUTPUT_URL is not set; problems are added to <paramref name="errors"/>, naming the setting.</summary>
    public static TrainingBucketSettings? FromConfiguration(IConfiguration config, List<string> errors)
    {
        var poll = DefaultPollSeconds;
        if (config["TRAIN_OUTPUT_POLL_SECONDS"] is { Length: > 0 } rawPoll && !(int.TryParse(rawPoll, out poll) && poll is >= 1 and <= 86_400))
            errors.Add($"TRAIN_OUTPUT_POLL_SECONDS='{rawPoll}' must be a whole number of seconds from 1 to 86400.");
        if (config["TRAIN_OUTPUT_URL"] is not { Length: > 0 } raw || string.IsNullOrWhiteSpace(raw)) return null;
        var folder = CloudStorageFolder.Parse(raw, out var problem);
        if (folder is null)
        {
            errors.Add($"TRAIN_OUTPUT_URL='{raw.Trim()}' is not a Cloud Storage folder: {problem}.");
            return null;
        }
        return new TrainingBucketSettings(folder, TimeSpan.FromSeconds(poll));
    }
}
