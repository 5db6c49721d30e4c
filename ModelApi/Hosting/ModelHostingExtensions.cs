using CustomGpt.ModelApi.Hosting.CloudStorage;

namespace CustomGpt.ModelApi.Hosting;

public static class ModelHostingExtensions
{
    /// <summary>The settings, where the model comes from, the host that loads it, and a graceful stop.</summary>
    public static IServiceCollection AddModelHost(this IServiceCollection services, ModelApiSettings settings)
    {
        services.AddSingleton(settings);
        // A download may take many minutes: no client timeout (the platform's startup limit bounds it).
        services.AddHttpClient(nameof(DownloadedModelSource), http => http.Timeout = Timeout.InfiniteTimeSpan);
        HttpClient Http(IServiceProvider sp) => sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DownloadedModelSource));
        if (settings.ModelUrl is { } url)
        {
            services.AddSingleton<IModelSource>(sp => new UrlModelSource(url, settings.ModelSha256, settings.ModelCacheDirectory,
                Http(sp), sp.GetRequiredService<ILogger<UrlModelSource>>()));
        }
        else if (settings.ModelObject is { } model)
        {
            services.AddSingleton<IModelSource>(sp => new CloudStorageModelSource(model, settings.StorageEndpoint,
                new MetadataServerToken(Http(sp), settings.MetadataHost), settings.ModelSha256, settings.ModelCacheDirectory,
                Http(sp), sp.GetRequiredService<ILogger<CloudStorageModelSource>>()));
        }
        else
        {
            services.AddSingleton<IModelSource>(new FileModelSource(settings.ModelPath));
        }
        services.AddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        // On SIGTERM Kestrel stops accepting, waits this long for running requests, then aborts them;
        // an aborted request cancels its generation at the next decode step.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace);
        return services;
    }
}
