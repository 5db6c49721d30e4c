using System.Text.RegularExpressions;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Training.Bucket;

/// <summary>
/// Serves every trained model in the TRAIN_OUTPUT_URL bucket: at start, then again every TRAIN_OUTPUT_POLL_SECONDS (on the
/// injected clock), so a model trained on another instance, or by a Cloud Run job, appears without a restart. Each model
/// is downloaded into the model cache and added to the catalog as trained models are. Models this instance keeps under
/// DATA_DIR/models are served from there (TrainingQueue); a failed upload of one of them is tried again here first.
/// </summary>
sealed partial class BucketModelSync(TrainingSettings settings, TrainedModelBucket bucket, TrainedModels models, ModelCatalog catalog,
    TimeProvider time, ILogger<BucketModelSync> log) : BackgroundService
{
    /// <summary>Objects (name and generation) served or refused already: not looked at again.</summary>
    readonly HashSet<string> settled = [];

    /// <summary>The names trained models get here and from deploy/cloudrun/train-job.sh.</summary>
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex ServedName();

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        if (settings.Bucket is not { } b) return;
        while (!stop.IsCancellationRequested)
        {
            // Looks are an interval apart from start to start: a look that took long (a download) is followed sooner.
            var next = time.GetUtcNow() + b.PollInterval;
            try
            {
                await bucket.RetryPendingAsync(stop);
                await SyncAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // stopping: a download in progress is dropped with its .partial file, never cached half-done
            }
            catch (Exception e)
            {
                log.LogWarning("Listing the trained models in {Folder} failed: {Reason}", b.Folder, TrainedModelBucket.Reason(e));
            }
            var wait = next - time.GetUtcNow();
            if (wait <= TimeSpan.Zero) continue;
            try { await Task.Delay(wait, time, stop); }
            catch (OperationCanceledException) { return; }
        }
    }

    async Task SyncAsync(CancellationToken ct)
    {
        foreach (var (name, model) in await bucket.ListAsync(ct))
        {
            var key = $"{model.Name}#{model.Generation}";
            if (settled.Contains(key)) continue;
            if (!ServedName().IsMatch(name))
            {
                log.LogWarning("{Object} is not served: '{Name}' is not a model name (letters, digits, '-', '_', ':' and '.')", model.Name, name);
                settled.Add(key);
                continue;
            }
            // Trained here (served from DATA_DIR/models), or served already under that name.
            if (File.Exists(models.PathOf(name)) || catalog.Names.Contains(name))
            {
                settled.Add(key);
                continue;
            }
            try
            {
                var path = await bucket.DownloadAsync(model, ct);
                await models.AddAsync(name, path, ct);
                settled.Add(key);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning("Trained model {Model} from {Folder} is not served yet: {Reason}", name, bucket.Folder, TrainedModelBucket.Reason(e));
            }
        }
    }
}
