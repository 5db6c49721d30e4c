using System.Globalization;
using System.Threading.Channels;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.Trainer.Training;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Runs jobs one at a time, in the order they were made; the others wait as "queued". A job is the Trainer as a child
/// process (<see cref="TrainerProcess"/>); its progress lines become the job's events. Cancel stops it with SIGTERM,
/// so the trainer saves its checkpoint first; resume starts it again from there.
/// </summary>
sealed class TrainingQueue(TrainingStore store, JobEvents events, TrainedModels models, TrainingSettings settings,
    TimeProvider time, ILogger<TrainingQueue> log, Bucket.TrainedModelBucket bucket) : BackgroundService
{
    readonly Channel<string> pending = Channel.CreateUnbounded<string>();
    readonly Lock gate = new();
    (string Id, TrainerProcess Process)? running;
    readonly HashSet<string> stopping = [];

    public void Enqueue(string jobId) => pending.Writer.TryWrite(jobId);

    /// <summary>Jobs ahead of a new one: the running one and the queued ones.</summary>
    public int Ahead => store.Jobs.Count(j => j.Job.Status is FineTuningStatus.Queued or FineTuningStatus.Running);

    /// <summary>Whether the job's trainer is still ending (it cannot be resumed before it has).</summary>
    public bool IsActive(string jobId) { lock (gate) return running?.Id == jobId; }

    public StoredJob Cancel(StoredJob job)
    {
        StoredJob cancelled;
        // Under the gate with the status change: RunAsync records its trainer under the same gate and then looks at the
        // status, so a cancel that comes while the trainer starts stops it either here or there, never neither.
        lock (gate)
        {
            var wasRunning = false;
            if (running is { } r && r.Id == job.Id)
            {
                stopping.Add(job.Id);
                r.Process.Stop();
                wasRunning = true;
            }
            // A running job becomes resumable once its trainer has saved the checkpoint and ended (RunAsync).
            cancelled = store.Update(job.Id, j => j with
            {
                Job = j.Job with { Status = FineTuningStatus.Cancelled, FinishedAt = time.GetUtcNow().ToUnixTimeSeconds(), Resumable = !wasRunning && File.Exists(store.CheckpointPath(j.Id)) },
            });
        }
        events.Add(job.Id, "Job cancelled" + (job.Job.Status == FineTuningStatus.Running ? ": the trainer saves a checkpoint and stops." : "."));
        return cancelled;
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        foreach (var (name, path) in models.Kept()) await models.AddAsync(name, path, stop);
        foreach (var job in store.Jobs.Where(j => j.Job.Status == FineTuningStatus.Queued).OrderBy(j => j.Job.CreatedAt)) Enqueue(job.Id);
        await foreach (var id in pending.Reader.ReadAllAsync(stop))
        {
            if (store.FindJob(id) is not { Job.Status: FineTuningStatus.Queued } job) continue; // cancelled while it waited
            try
            {
                await RunAsync(job, stop);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                log.LogError(e, "Training job {Job} failed", id);
                Fail(id, "training_failed", e.Message);
            }
        }
    }

    async Task RunAsync(StoredJob job, CancellationToken stop)
    {
        var id = job.Id;
        var checkpoint = store.CheckpointPath(id);
        var resumeFrom = File.Exists(checkpoint) ? checkpoint : job.ContinueFrom;
        // Only a job still queued starts: a cancel may have come between the queue and here.
        job = store.Update(id, j => j.Job.Status != FineTuningStatus.Queued ? j
            : j with { Job = j.Job with { Status = FineTuningStatus.Running, Error = null, FinishedAt = null, Resumable = false } });
        if (job.Job.Status != FineTuningStatus.Running) return;
        events.Add(id, resumeFrom == checkpoint ? "Job resumed from its checkpoint." : "Job started.");
        using var trainer = TrainerProcess.Start(Arguments(job, resumeFrom), line => OnLine(id, line));
        lock (gate)
        {
            running = (id, trainer);
            // Cancelled between "running" and here, when Cancel had no trainer to stop yet.
            if (store.FindJob(id)?.Job.Status == FineTuningStatus.Cancelled)
            {
                stopping.Add(id);
                trainer.Stop();
            }
        }
        int exit;
        try
        {
            exit = await trainer.WaitAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // ModelApi is stopping: let the trainer save its checkpoint (a few seconds), then end it.
            trainer.Stop();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await trainer.WaitAsync(grace.Token); } catch (OperationCanceledException) { }
            Fail(id, "interrupted", $"ModelApi stopped while this job was training. Its last checkpoint is kept: POST /v1/fine_tuning/jobs/{id}/resume goes on from there.");
            lock (gate) running = null;
            throw;
        }
        bool wasStopped;
        lock (gate) wasStopped = stopping.Remove(id);
        if (wasStopped)
        {
            store.Update(id, j => j with { Job = j.Job with { Resumable = File.Exists(checkpoint) } });
            events.Add(id, $"The trainer saved its checkpoint at step {store.FindJob(id)!.Job.Progress?.Step} and stopped; POST /v1/fine_tuning/jobs/{id}/resume goes on from it.");
            lock (gate) running = null; // only now: a resume must see the checkpoint
            return;
        }
        lock (gate) running = null;
        if (exit != 0)
        {
            Fail(id, "training_failed", $"The trainer stopped with exit code {exit}: {trainer.Reason()}");
            return;
        }
        await SucceedAsync(store.FindJob(id)!, stop);
    }

    List<string> Arguments(StoredJob stored, string? resumeFrom)
    {
        var job = stored.Job;
        var inv = CultureInfo.InvariantCulture;
        var text = store.FindFile(job.TrainingFile)?.Path ?? throw new InvalidOperationException($"The training file {job.TrainingFile} was deleted.");
        List<string> args = ["--text", text, "--out", store.OutputPath(job.Id), "--threads", settings.Threads.ToString(inv),
            "--progress", "json", "--progress-seconds", settings.ProgressSeconds.ToString(inv), "--eval-seconds", settings.EvalSeconds.ToString(inv),
            "--sample-seconds", settings.SampleSeconds.ToString(inv),
            "--name", stored.ModelName];
        if (job.Quantize is { } q) args.AddRange(["--quantize", q]);
        var ownCheckpoint = resumeFrom == store.CheckpointPath(job.Id);
        if (resumeFrom is not null) args.AddRange(["--resume", resumeFrom]);
        // A resumed job goes on with its checkpoint's plan; a new one (or one training another model further) gets its own.
        if (!ownCheckpoint)
        {
            if (job.Minutes is { } m) args.AddRange(["--minutes", m.ToString(inv)]);
            else args.AddRange(["--epochs", (stored.Epochs ?? 1).ToString(inv)]);
        }
        if (resumeFrom is null)
        {
            args.AddRange(["--preset", job.Preset, "--seed", job.Seed.ToString(inv)]);
            if (job.Context is { } c) args.AddRange(["--context", c.ToString(inv)]);
            if (job.ValidationShare is { } v) args.AddRange(["--validation-share", v.ToString(inv)]);
        }
        return args;
    }

    void OnLine(string id, ProgressLine line)
    {
        switch (line.Event)
        {
            case ProgressLine.Start:
                store.Update(id, j => j with { Job = j.Job with { Parameters = line.Parameters } });
                events.Add(id, $"Training: {line.Parameters:N0} parameters, from step {line.Step}.");
                break;
            case ProgressLine.Progress:
                var progress = new FineTuningProgress(line.Step ?? 0, line.TotalSteps, line.Loss, line.ValidationLoss, line.TokensPerSecond, line.ElapsedSeconds, line.SecondsLeft);
                var finish = line.SecondsLeft is double left ? time.GetUtcNow().AddSeconds(left).ToUnixTimeSeconds() : (long?)null;
                store.Update(id, j => j with { Job = j.Job with { Progress = progress, TrainedTokens = line.Tokens, EstimatedFinish = finish } });
                events.Add(id, Describe(line), "metrics", new FineTuningEventData
                {
                    Step = line.Step, TotalSteps = line.TotalSteps, TrainLoss = line.Loss, ValidLoss = line.ValidationLoss,
                    TokensPerSecond = line.TokensPerSecond, ElapsedSeconds = line.ElapsedSeconds, SecondsLeft = line.SecondsLeft, Tokens = line.Tokens,
                });
                break;
            case ProgressLine.Checkpointed:
                events.Add(id, $"Checkpoint saved at step {line.Step}.");
                break;
            case ProgressLine.Sample:
                // Samples come while the job trains (every TRAIN_SAMPLE_SECONDS) and from the finished model; the message carries the text.
                events.Add(id, $"Sample at step {line.Step}" + (line.Prompt is { Length: > 0 } p ? $" from \"{p}\"" : "") + $": {line.Text}",
                    data: new FineTuningEventData { Step = line.Step, Prompt = line.Prompt, Sample = line.Text });
                break;
            case ProgressLine.Done:
                store.Update(id, j => j with { Job = j.Job with { TrainedTokens = line.Tokens } });
                break;
        }
    }

    static string Describe(ProgressLine l)
    {
        var inv = CultureInfo.InvariantCulture;
        var step = l.TotalSteps is long t ? $"Step {l.Step}/{t}" : $"Step {l.Step}";
        var parts = new List<string> { step };
        if (l.Loss is double loss) parts.Add(string.Create(inv, $"training loss={loss:F3}"));
        if (l.ValidationLoss is double val) parts.Add(string.Create(inv, $"validation loss={val:F3}"));
        if (l.TokensPerSecond is double tps) parts.Add(string.Create(inv, $"{tps:F0} tokens/s"));
        if (l.SecondsLeft is double s) parts.Add(string.Create(inv, $"{s:F0} s left"));
        return string.Join(", ", parts);
    }

    async Task SucceedAsync(StoredJob job, CancellationToken ct)
    {
        var id = job.Id;
        var name = job.ModelName;
        var served = models.PathOf(name);
        File.Copy(store.OutputPath(id), served, overwrite: true);
        OwnerOnly.Restrict(served);
        var output = store.OutputPath(id);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var results = new[]
        {
            (Path.ChangeExtension(output, null) + ".report.md", "report.md"),
            (Path.ChangeExtension(output, null) + ".loss.svg", "loss.svg"),
            (served, name + ".gguf"),
        }.Where(r => File.Exists(r.Item1)).Select(r =>
        {
            var file = new StoredFile(new FileObject(TrainingStore.NewId("file-"), new FileInfo(r.Item1).Length, now, r.Item2, FilePurposes.Results), r.Item1);
            store.Add(file);
            return file.File.Id;
        }).ToList();
        await models.AddAsync(name, served, ct);
        await bucket.UploadAsync(id, name, ct); // TRAIN_OUTPUT_URL: before "succeeded", so a finished job's model is in the bucket (or an event says why not)
        store.Update(id, j => j with { Job = j.Job with { Status = FineTuningStatus.Succeeded, FineTunedModel = name, FinishedAt = now, ResultFiles = results, EstimatedFinish = null } });
        events.Add(id, $"The job has successfully completed: {name}.");
    }

    void Fail(string id, string code, string message)
    {
        var resumable = File.Exists(store.CheckpointPath(id));
        store.Update(id, j => j with
        {
            Job = j.Job with { Status = FineTuningStatus.Failed, FinishedAt = time.GetUtcNow().ToUnixTimeSeconds(), Error = new FineTuningError(code, message), Resumable = resumable },
        });
        events.Add(id, "Job failed: " + message, level: "error");
    }
}
