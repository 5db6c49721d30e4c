using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Training;

/// <summary>
/// Trained models, served by name: each succeeded job's GGUF is DATA_DIR/models/NAME.gguf, added to the served
/// models as soon as the job ends and again at every start.
/// </summary>
sealed class TrainedModels(TrainingSettings settings, ModelCatalog catalog, ILogger<TrainedModels> log)
{
    public string PathOf(string name) => Path.Combine(settings.ModelsDir, name + ".gguf");

    /// <summary>Every model kept under DATA_DIR/models, by name.</summary>
    public IEnumerable<(string Name, string Path)> Kept() =>
        Directory.Exists(settings.ModelsDir)
            ? Directory.EnumerateFiles(settings.ModelsDir, "*.gguf").Select(p => (Path.GetFileNameWithoutExtension(p), p))
            : [];

    /// <summary>Serves the model under its name; a name already serving another model is logged, not fatal.</summary>
    public async Task AddAsync(string name, string path, CancellationToken ct)
    {
        try
        {
            await catalog.AddLocalAsync(name, path, ct);
            log.LogInformation("Serving trained model {Model}", name);
        }
        catch (InvalidOperationException e)
        {
            log.LogWarning("Trained model {Model} is not served: {Reason}", name, e.Message);
        }
    }
}
