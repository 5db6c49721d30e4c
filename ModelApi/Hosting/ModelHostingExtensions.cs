namespace CustomGpt.ModelApi.Hosting;

public static class ModelHostingExtensions
{
    /// <summary>The settings, where the model comes from, the host that loads it, and a graceful stop.</summary>
    public static IServiceCollection AddModelHost(this IServiceCollection services, ModelApiSettings settings)
    {
        services.AddSingleton(settings);
        if (settings.ModelUrl is { } url)
        {
            services.AddHttpClient(nameof(UrlModelSource), http => http.Timeout = Timeout.InfiniteTimeSpan);
            services.AddSingleton<IModelSource>(sp => new UrlModelSource(url, settings.ModelSha256, settings.ModelCacheDirectory,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(UrlModelSource)), sp.GetRequiredService<ILogger<UrlModelSource>>()));
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
