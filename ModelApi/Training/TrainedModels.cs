namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Trained models, served by name: each succeeded job's GGUF is DATA_DIR/models/NAME.gguf, added to the served
/// models as soon as the job ends and again at every start.
/// </summary>
sealed class TrainedModels(TrainingSettings settings, ILogger<TrainedModels> log)
{
    public string PathOf(string name) => Path.Combine(settings.ModelsDir, name + ".gguf");

    /// <summary>Every model kept under DATA_DIR/models, by name.</summary>
    public IEnumerable<(string Name, string Path)> Kept() =>
        Directory.Exists(settings.ModelsDir)
            ? Directory.EnumerateFiles(settings.ModelsDir, "*.gguf").Select(p => (Path.GetFileNameWithoutExtension(p), p))
            : [];

    public Task AddAsync(string name, string path, CancellationToken ct)
    {
        // Serving several models by name comes with the model catalog (#20); until then the model is kept and listed.
        log.LogInformation("Trained model {Model} is at {Path}", name, path);
        return Task.CompletedTask;
    }
}
