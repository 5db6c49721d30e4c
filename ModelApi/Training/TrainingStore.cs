using System.Security.Cryptography;
using System.Text.Json;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Files and jobs, kept in DATA_DIR/training/state.json (rewritten whole on each change: a few hundred records at
/// most) with owner-only permissions. One instance owns its DATA_DIR. At start a job that was running when the last
/// process ended is marked failed: nothing trains it any more, and its checkpoint (if any) can be resumed.
/// </summary>
sealed class TrainingStore
{
    readonly Lock gate = new();
    readonly TrainingSettings settings;
    readonly TrainingStateFile state;

    public TrainingStore(TrainingSettings settings, TimeProvider time)
    {
        this.settings = settings;
        OwnerOnly.Folder(settings.DataDir);
        OwnerOnly.Folder(Path.GetDirectoryName(settings.StatePath)!);
        OwnerOnly.Folder(settings.FilesDir);
        OwnerOnly.Folder(settings.JobsDir);
        OwnerOnly.Folder(settings.ModelsDir);
        state = File.Exists(settings.StatePath)
            ? JsonSerializer.Deserialize<TrainingStateFile>(File.ReadAllText(settings.StatePath), ModelApiJson.Options) ?? new()
            : new();
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var interrupted = state.Jobs.Any(j => j.Job.Status == FineTuningStatus.Running);
        foreach (var job in state.Jobs.Where(j => j.Job.Status == FineTuningStatus.Running).ToList())
        {
            var resumable = File.Exists(CheckpointPath(job.Id));
            Replace(job with
            {
                Job = job.Job with
                {
                    Status = FineTuningStatus.Failed, FinishedAt = now, Resumable = resumable,
                    Error = new FineTuningError("interrupted", "ModelApi stopped while this job was training. " + (resumable
                        ? $"Its last checkpoint is kept: POST /v1/fine_tuning/jobs/{job.Id}/resume goes on from there."
                        : "It had not saved a checkpoint yet; start a new job.")),
                },
            });
        }
        if (interrupted) Save(); // nothing written otherwise: several test servers may share a DATA_DIR
    }

    public static string NewId(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public string JobFolder(string id) => Path.Combine(settings.JobsDir, id);
    /// <summary>Where the trainer writes: model.gguf, and beside it model.ckpt.gguf, model.report.md, model.loss.svg.</summary>
    public string OutputPath(string id) => Path.Combine(JobFolder(id), "model.gguf");
    public string CheckpointPath(string id) => Path.Combine(JobFolder(id), "model.ckpt.gguf");
    public string EventsPath(string id) => Path.Combine(JobFolder(id), "events.jsonl");

    public IReadOnlyList<StoredFile> Files { get { lock (gate) return [.. state.Files]; } }
    public IReadOnlyList<StoredJob> Jobs { get { lock (gate) return [.. state.Jobs]; } }

    public StoredFile? FindFile(string id) { lock (gate) return state.Files.Find(f => f.File.Id == id); }
    public StoredJob? FindJob(string id) { lock (gate) return state.Jobs.Find(j => j.Id == id); }

    public void Add(StoredFile file) { lock (gate) { state.Files.Add(file); Save(); } }
    public void Add(StoredJob job) { lock (gate) { state.Jobs.Add(job); Save(); } }

    public bool Remove(string fileId)
    {
        lock (gate)
        {
            var removed = state.Files.RemoveAll(f => f.File.Id == fileId) > 0;
            if (removed) Save();
            return removed;
        }
    }

    /// <summary>Changes a job (by its id) and saves; returns the new version.</summary>
    public StoredJob Update(string id, Func<StoredJob, StoredJob> change)
    {
        lock (gate)
        {
            var i = state.Jobs.FindIndex(j => j.Id == id);
            var updated = change(state.Jobs[i]);
            state.Jobs[i] = updated;
            Save();
            return updated;
        }
    }

    void Replace(StoredJob job) => state.Jobs[state.Jobs.FindIndex(j => j.Id == job.Id)] = job;

    void Save() => OwnerOnly.WriteAllText(settings.StatePath, JsonSerializer.Serialize(state, ModelApiJson.Options));
}
