using CustomGpt.ModelApi.Hosting.CloudStorage;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>Where a model comes from, as its settings say: MODEL_URL (https:// or gs://), else the file at MODEL_PATH.</summary>
public static class ModelSources
{
    public static IModelSource For(ModelApiSettings settings, IServiceProvider services)
    {
        HttpClient Http() => services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DownloadedModelSource));
        if (settings.ModelUrl is { } url)
            return new UrlModelSource(url, settings.ModelSha256, settings.ModelCacheDirectory, Http(), services.GetRequiredService<ILogger<UrlModelSource>>());
        if (settings.ModelObject is { } model)
        {
            return new CloudStorageModelSource(model, settings.StorageEndpoint, GoogleStorage.Create(settings),
                settings.ModelSha256, settings.ModelCacheDirectory, services.GetRequiredService<ILogger<CloudStorageModelSource>>());
        }
        return new FileModelSource(settings.ModelPath);
    }
}
