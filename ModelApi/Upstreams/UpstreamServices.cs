using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

public static class UpstreamServices
{
    /// <summary>
    /// The upstream deployments, their forwarder and the fallbacks. One named HttpClient from IHttpClientFactory for all
    /// upstreams: no timeout of its own (each attempt's is the deployment's, in Polly), no redirects or cookies, and none of
    /// the factory's request logging (it would log every upstream address; the access log says which deployment answered).
    /// </summary>
    public static IServiceCollection AddUpstreams(this IServiceCollection services, IReadOnlyList<UpstreamDeployment> deployments, RouterSettings router)
    {
        services.AddSingleton(sp => new UpstreamPool(deployments, router, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<UpstreamPool>>()));
        services.AddSingleton(sp => new UpstreamForwarder(sp.GetRequiredService<UpstreamPool>(), sp.GetRequiredService<IHttpClientFactory>(), router,
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<UpstreamForwarder>>()));
        services.AddSingleton(sp => new ModelFallbacks(router, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<ModelFallbacks>>()));
        services.AddHttpClient(UpstreamForwarder.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follows DNS changes of a hosted endpoint
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        return services;
    }
}
