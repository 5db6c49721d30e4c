using System.Diagnostics;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Client;
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
            var progress = new Progress<double>(p => status = status with { Progress = Math.Round(p, 3) });
            var path = await source.ResolveAsync(progress, stoppingToken);
            var started = Stopwatch.GetTimestamp();
            // Loading blocks for seconds on big files: keep it off the thread pool's hot threads.
            var (model, scheduler) = await Task.Factory.StartNew(() => Load(path), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var info = new ModelInfo(
                Name: model.Metadata("general.name") ?? Path.GetFileNameWithoutExtension(path),
                Architecture: model.Metadata("general.architecture") ?? "unknown",
                Parameters: model.ParameterCount,
                Quantization: model.FileType,
                ContextLength: scheduler.SequenceContextSize,
                FileSizeBytes: new FileInfo(path).Length,
                LoadMs: (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            status = new ModelStatus(HealthStatus.Ok, model, scheduler, info);
            logger.LogInformation("Model {Name} ready: {Parameters:N0} parameters, {Quantization}, context {Context} x {Parallel} sequences, {Threads} threads, loaded in {LoadMs} ms",
                info.Name, info.Parameters, info.Quantization, info.ContextLength, scheduler.Parallel, settings.Threads, info.LoadMs);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Loading the model failed");
            status = new ModelStatus(HealthStatus.Error, Error: e.Message);
        }
    }

    (LlamaModel, GenerationScheduler) Load(string path)
    {
        var model = LlamaModel.Load(path);
        try
        {
            var perSequence = settings.ContextSize ?? Math.Min(model.TrainedContextLength, 4096);
            var options = new ContextOptions
            {
                SequenceContextSize = perSequence,
                Sequences = settings.Parallel,
                Threads = settings.Threads,
                BatchSize = settings.BatchSize,
            };
            return (model, new GenerationScheduler(model, options, settings.MaxQueue, logger));
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
