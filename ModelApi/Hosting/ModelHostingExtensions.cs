using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Hosting;

public static class ModelHostingExtensions
{
    /// <summary>The settings, where the models come from, the catalog that loads them, and a graceful stop.</summary>
    public static IServiceCollection AddModelHost(this IServiceCollection services, ModelApiSettings settings)
    {
        services.AddSingleton(settings);
        // A download may take many minutes: no client timeout (the platform's startup limit bounds it).
        services.AddHttpClient(nameof(DownloadedModelSource), http => http.Timeout = Timeout.InfiniteTimeSpan);
        if (settings.Models is null)
        {
            // One model (MODEL_PATH / MODEL_URL), as before MODELS_CONFIG: its source and host are services (tests replace the source).
            services.AddSingleton(sp => ModelSources.For(settings, sp));
            services.AddSingleton<ModelHost>();
        }
        services.AddSingleton<ModelCatalog>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelCatalog>());
        // On SIGTERM Kestrel stops accepting, waits this long for running requests, then aborts them;
        // an aborted request cancels its generation at the next decode step.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace);
        return services;
    }
}
