using System.Net;
using System.Security.Cryptography;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Hosting.CloudStorage;
using Google;
using Google.Cloud.Storage.V1;
using StorageObject = Google.Apis.Storage.v1.Data.Object;

namespace CustomGpt.ModelApi.Training.Bucket;

/// <summary>
/// Trained models in the TRAIN_OUTPUT_URL bucket, laid out as deploy/cloudrun/train-job.sh writes them: PREFIX/NAME.gguf,
/// with NAME.report.md and NAME.loss.svg beside it. The model's object carries what serving it needs in its custom
/// metadata (its name, the job that made it, its SHA-256); its creation time is the object's own.
/// A failed upload does not fail the job: the model is served here from DATA_DIR/models, a warning event says why, and
/// a marker (models/NAME.upload-pending) has the upload tried again at every look at the bucket, a restart included.
/// </summary>
sealed class TrainedModelBucket
{
    /// <summary>Custom metadata keys on a model's object.</summary>
    public const string ModelKey = "customgpt-model", JobKey = "customgpt-job", Sha256Key = "sha256";

    readonly TrainingSettings settings;
    readonly TrainingStore store;
    readonly JobEvents events;
    readonly TrainedModels models;
    readonly ModelApiSettings api;
    readonly ILogger<TrainedModelBucket> log;
    readonly Lazy<StorageClient> client;

    public TrainedModelBucket(TrainingSettings settings, TrainingStore store, JobEvents events, TrainedModels models, ModelApiSettings api, ILogger<TrainedModelBucket> log)
    {
        this.settings = settings;
        this.store = store;
        this.events = events;
        this.models = models;
        this.api = api;
        this.log = log;
        client = new(() => GoogleStorage.Create(api));
    }

    public CloudStorageFolder? Folder => settings.Bucket?.Folder;

    /// <summary>The client, its token fetched first: a metadata server that does not answer is reported as that.</summary>
    async Task<StorageClient> ClientAsync(CancellationToken ct)
    {
        await GoogleStorage.EnsureTokenAsync(client.Value, "TRAIN_OUTPUT_URL", ct);
        return client.Value;
    }

    string PendingPath(string name) => Path.Combine(settings.ModelsDir, name + ".upload-pending");

    /// <summary>Uploads a succeeded job's model, report and loss curve (a no-op without TRAIN_OUTPUT_URL); the job's
    /// events say how it went. Never throws for a failed upload.</summary>
    public async Task UploadAsync(string jobId, string name, CancellationToken ct)
    {
        if (Folder is not { } folder) return;
        try
        {
            await PutAsync(folder, jobId, name, ct);
            events.Add(jobId, $"Uploaded {name} to {folder}: every instance with this TRAIN_OUTPUT_URL serves it.");
        }
        catch (Exception e)
        {
            // Also when ModelApi is stopping: the job still succeeds (its model is kept here) and the upload waits for the next start.
            File.WriteAllText(PendingPath(name), jobId);
            OwnerOnly.Restrict(PendingPath(name));
            var reason = ct.IsCancellationRequested ? "ModelApi stopped during the upload." : Reason(e);
            log.LogWarning("Uploading trained model {Model} to {Folder} failed: {Reason}", name, folder, reason);
            events.Add(jobId, $"The model could not be uploaded to {folder}: {reason} It is served by this instance from DATA_DIR/models; " +
                $"the upload is tried again every {settings.Bucket!.PollInterval.TotalSeconds:0} s and at the next start.", level: "warn");
        }
    }

    /// <summary>Tries again every upload that failed before (models/NAME.upload-pending).</summary>
    public async Task RetryPendingAsync(CancellationToken ct)
    {
        if (Folder is not { } folder || !Directory.Exists(settings.ModelsDir)) return;
        foreach (var marker in Directory.EnumerateFiles(settings.ModelsDir, "*.upload-pending"))
        {
            var name = Path.GetFileName(marker)[..^".upload-pending".Length];
            var jobId = (await File.ReadAllTextAsync(marker, ct)).Trim();
            if (!File.Exists(models.PathOf(name))) { File.Delete(marker); continue; }
            try
            {
                await PutAsync(folder, jobId, name, ct);
                File.Delete(marker);
                log.LogInformation("Uploaded trained model {Model} to {Folder} on a retry", name, folder);
                if (store.FindJob(jobId) is not null) events.Add(jobId, $"Uploaded {name} to {folder} on a retry: every instance with this TRAIN_OUTPUT_URL serves it.");
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning("Uploading trained model {Model} to {Folder} failed again: {Reason}", name, folder, Reason(e));
            }
        }
    }

    async Task PutAsync(CloudStorageFolder folder, string jobId, string name, CancellationToken ct)
    {
        var storage = await ClientAsync(ct);
        var gguf = models.PathOf(name);
        var output = Path.ChangeExtension(store.OutputPath(jobId), null);
        // The report and the curve first: whoever sees the model sees them too.
        foreach (var (path, suffix, type) in new[] { (output + ".report.md", ".report.md", "text/markdown; charset=utf-8"), (output + ".loss.svg", ".loss.svg", "image/svg+xml") })
        {
            if (!File.Exists(path)) continue;
            await using var file = File.OpenRead(path);
            await storage.UploadObjectAsync(new StorageObject { Bucket = folder.Bucket, Name = folder.ObjectName(name + suffix), ContentType = type }, file, cancellationToken: ct);
        }
        string sha256;
        await using (var file = File.OpenRead(gguf)) sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
        await using (var file = File.OpenRead(gguf))
        {
            var model = new StorageObject
            {
                Bucket = folder.Bucket, Name = folder.ObjectName(name + ".gguf"), ContentType = "application/octet-stream",
                Metadata = new Dictionary<string, string> { [ModelKey] = name, [JobKey] = jobId, [Sha256Key] = sha256 },
            };
            await storage.UploadObjectAsync(model, file, cancellationToken: ct);
        }
    }

    /// <summary>The models in the folder: its NAME.gguf objects (not checkpoints, not sub-folders).</summary>
    public async Task<List<(string Name, StorageObject Object)>> ListAsync(CancellationToken ct)
    {
        var folder = Folder!;
        var found = new List<(string, StorageObject)>();
        var storage = await ClientAsync(ct);
        await foreach (var o in storage.ListObjectsAsync(folder.Bucket, folder.Prefix, new ListObjectsOptions { Delimiter = "/" }).WithCancellation(ct))
        {
            var file = o.Name[folder.Prefix.Length..];
            if (!file.EndsWith(".gguf", StringComparison.Ordinal) || file.EndsWith(".ckpt.gguf", StringComparison.Ordinal)) continue;
            found.Add((file[..^".gguf".Length], o));
        }
        return found;
    }

    /// <summary>Downloads a model's object into the model cache (MODEL_CACHE_DIR), once per generation: verified against
    /// the SHA-256 in its metadata when it has one (the library checks Cloud Storage's own CRC32C/MD5 in any case).</summary>
    public async Task<string> DownloadAsync(StorageObject model, CancellationToken ct)
    {
        var address = $"{CloudStorageObject.Scheme}{model.Bucket}/{model.Name}#{model.Generation}";
        var expected = model.Metadata?.TryGetValue(Sha256Key, out var s) == true && s is { Length: 64 } && s.All(char.IsAsciiHexDigit) ? s.ToLowerInvariant() : null;
        ModelCache.EnsurePrivateFolder(api.ModelCacheDirectory);
        var target = Path.Combine(api.ModelCacheDirectory, ModelCache.FileName(address, Path.GetFileName(model.Name)));
        var stamp = target + ".verified";
        if (await ModelCache.IsIntactAsync(target, stamp, expected, ct)) return target;
        var storage = await ClientAsync(ct);
        var partial = $"{target}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var file = new FileStream(partial, ModelCache.NewPrivateFile))
                await storage.DownloadObjectAsync(model.Bucket, model.Name, file, new DownloadObjectOptions { Generation = model.Generation }, ct);
            string actual;
            await using (var file = File.OpenRead(partial)) actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            if (expected is not null && actual != expected)
                throw new ModelDownloadException($"{CloudStorageObject.Scheme}{model.Bucket}/{model.Name} has SHA-256 {actual}, but its metadata says {expected}; not serving it.");
            File.Move(partial, target, overwrite: true);
            await ModelCache.StampAsync(stamp, actual, ct);
            return target;
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>Why a call failed, in words an operator can act on (never the token).</summary>
    public static string Reason(Exception e) => e switch
    {
        GoogleApiException { HttpStatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } g =>
            $"Cloud Storage refused it (HTTP {(int)g.HttpStatusCode}: {g.Error?.Message ?? g.HttpStatusCode.ToString()}). The service's account needs " +
            "roles/storage.objectUser on the bucket (roles/storage.objectViewer to serve only).",
        GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound } g =>
            $"Cloud Storage has no such bucket (HTTP 404: {g.Error?.Message ?? "Not Found"}): check the bucket in TRAIN_OUTPUT_URL.",
        GoogleApiException g => $"Cloud Storage answered HTTP {(int)g.HttpStatusCode}: {g.Error?.Message ?? g.HttpStatusCode.ToString()}.",
        _ => e.Message.EndsWith('.') ? e.Message : e.Message + ".",
    };
}
