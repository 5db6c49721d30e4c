using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Client;

public static class ModelApiClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ModelApiClient"/> as a typed HttpClient. Options come from
    /// <paramref name="options"/>, or from GPT_API_URL and GPT_API_KEY in the environment.
    /// </summary>
    public static IHttpClientBuilder AddModelApiClient(this IServiceCollection services, ModelApiClientOptions? options = null)
    {
        options ??= ModelApiClientOptions.FromEnvironment();
        options.EnsureKeyTravelsSafely();
        services.AddSingleton(options);
        return services.AddHttpClient<ModelApiClient>(http =>
            {
                http.BaseAddress = options.BaseAddress;
                // The client applies its own timeouts (per call, and per event of a stream).
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            // A redirect would carry X-API-Key (a custom header .NET does not strip) to whatever host it names:
            // redirects are not followed; the failure names the address to configure instead.
            .ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler { AllowAutoRedirect = false });
    }
}
