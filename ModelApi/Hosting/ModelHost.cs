using System.Diagnostics;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>The model's life: loaded in the background after Kestrel starts listening, so /health
/// can say "loading"; then shared by every request through one <see cref="GenerationScheduler"/>.</summary>
public sealed class ModelHost(ModelApiSettings settings, IModelSource source, IHostApplicationLifetime lifetime, ILogger<ModelHost> logger) : BackgroundService
{
    volatile ModelStatus status = new(HealthStatus.Loading);

    public ModelStatus Status => status;

    /// <summary>True once SIGTERM (or any stop) arrived: running generations finish, new ones are refused.</summary>
    public bool ShuttingDown => lifetime.ApplicationStopping.IsCancellationRequested;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            LlamaBackend.EnsureInitialized(logger);
            // Reported on the download's own thread, in order: Progress<T> would post each report to the thread
            // pool, where they can run out of order (the figure going back) or after the status has moved on.
            var progress = new InlineProgress(p => status = status with { Progress = Math.Round(p, 3) });
            var path = await source.ResolveAsync(progress, stoppingToken);
            var started = Stopwatch.GetTimestamp();
            // Loading blocks for seconds on big files: keep it off the thread pool's hot threads.
            var (model, scheduler) = await Task.Factory.StartNew(() => Load(path), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var info = new ModelInfo(
                Name: model.Metadata("general.name") ?? Path.GetFileNameWithoutExtension(path),
                Architecture: model.Metadata("general.architecture") ?? "unknown",
                Parameters: model.ParameterCount,
                Quantization: model.FileType,
                ContextLength: scheduler.ContextSize,
                FileSizeBytes: new FileInfo(path).Length,
                LoadMs: (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                HasChatTemplate: ChatTemplate.IsAvailable(model),
                MaxChars: settings.MaxChars);
            source.Loaded(path);
            status = new ModelStatus(HealthStatus.Ok, model, scheduler, info);
            Telemetry.ModelApiTelemetry.Track(scheduler);
            EndGenerationsAtShutdown(scheduler);
            logger.LogInformation("Model {Name} ready: {Parameters:N0} parameters, {Quantization}, context {Context} x {Parallel} sequences, {Threads} threads, loaded in {LoadMs} ms",
                info.Name, info.Parameters, info.Quantization, info.ContextLength, scheduler.Parallel, settings.Threads, info.LoadMs);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The detail (paths, URLs) goes to the log; anonymous /health gets a short public reason.
            logger.LogError(e, "Loading the model failed");
            status = new ModelStatus(HealthStatus.Error, Error: PublicReason(e));
        }
    }

    /// <summary>What an anonymous caller may learn about a failed load: the kind of failure, no paths or URLs.</summary>
    static string PublicReason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "The model file was not found (see the service log).",
        ModelDownloadException d => d.Message,
        LlamaException or InvalidDataException => "The model file could not be loaded (see the service log).",
        _ => "The model could not be loaded (see the service log).",
    };

    /// <summary>
    /// SIGTERM: waiting requests are answered 503 at once; running ones may finish within the grace
    /// period, and those still running just before it ends get a closing error (an event on a stream)
    /// instead of a connection cut mid-answer.
    /// </summary>
    void EndGenerationsAtShutdown(GenerationScheduler scheduler)
    {
        lifetime.ApplicationStopping.Register(() =>
        {
            scheduler.Drain(GenerationUnavailableException.ShuttingDown());
            var grace = settings.ShutdownGrace;
            var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, grace.Ticks / 2));
            Task.Delay(grace - margin).ContinueWith(_ => scheduler.EndRunning(GenerationUnavailableException.ShuttingDown()), TaskScheduler.Default);
        });
    }

    /// <summary>The generation thread died: nothing will be generated here again. /health goes red and the
    /// process exits non-zero, so the platform replaces the instance instead of routing to a hang.</summary>
    void OnSchedulerCrash(Exception e)
    {
        // The model and scheduler stay in the status so that disposal at the stop frees them.
        status = status with { State = HealthStatus.Error, Error = "The generation thread stopped; the instance is restarting." };
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    (LlamaModel, GenerationScheduler) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException("The model file was not found.", path);
        var model = LlamaModel.Load(path, settings.Load);
        try
        {
            var perSequence = settings.ContextSize ?? Math.Min(model.TrainedContextLength, 4096);
            var options = new ContextOptions
            {
                SequenceContextSize = perSequence,
                Sequences = settings.Parallel,
                Threads = settings.Threads,
                BatchSize = settings.BatchSize,
                KvCache = settings.KvCache,
                FlashAttention = settings.FlashAttention,
                ThreadPolling = settings.ThreadPoll,
            };
            return (model, new GenerationScheduler(model, options, settings.MaxQueue, logger, OnSchedulerCrash, settings.PromptCache));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        var last = status;
        status = new ModelStatus(HealthStatus.Error, Error: "The service is shutting down.");
        if (last.Scheduler is { } scheduler) Telemetry.ModelApiTelemetry.Forget(scheduler);
        last.Scheduler?.Dispose();
        last.Model?.Dispose();
    }
}

/// <summary>An immutable snapshot: readers never see a half-loaded model.</summary>
public sealed record ModelStatus(
    string State,
    LlamaModel? Model = null,
    GenerationScheduler? Scheduler = null,
    ModelInfo? Info = null,
    string? Error = null,
    double? Progress = null);

/// <summary>An <see cref="IProgress{T}"/> that reports at once, on the caller's thread.</summary>
sealed class InlineProgress(Action<double> report) : IProgress<double>
{
    public void Report(double value) => report(value);
}
