namespace CustomGpt.ModelApi.Hosting;

/// <summary>Where the model file comes from. Resolving may take time (a download); progress goes to health.</summary>
public interface IModelSource
{
    Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken);

    /// <summary>llama.cpp has loaded (mapped) the file: a source may now drop a file it does not keep.</summary>
    void Loaded(string path) { }
}

/// <summary>A model file already on disk (MODEL_PATH).</summary>
public sealed class FileModelSource(string path) : IModelSource
{
    public Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken) => Task.FromResult(path);
}
