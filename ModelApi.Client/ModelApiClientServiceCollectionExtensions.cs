using System.Net.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Refit;

namespace CustomGpt.ModelApi.Client;

public static class ModelApiClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ModelApiClient"/> (over Refit's generated client) and <see cref="IChatClient"/>
    /// (<see cref="ModelApiChatClient"/>, unless one is registered already). Options come from
    /// <paramref name="options"/>, or from GPT_API_URL, GPT_API_KEY and GPT_API_TIMEOUT_SECONDS in the environment.
    /// The key of each call is the <see cref="IApiKeyProvider"/>'s when one is registered (resolved in the caller's
    /// scope, e.g. a Blazor circuit), else the configured one. Returns the builder of the named HttpClient "ModelApiClient".
    /// </summary>
    public static IHttpClientBuilder AddModelApiClient(this IServiceCollection services, ModelApiClientOptions? options = null)
    {
        options ??= ModelApiClientOptions.FromEnvironment();
        options.EnsureKeyTravelsSafely();
        services.AddSingleton(options);
        var http = services.AddRefitGeneratedClient<IModelApi>(_ => ModelApiRefit.Settings, nameof(ModelApiClient))
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = options.BaseAddress;
                // The client applies its own timeouts (per call, and per event of a stream).
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect would carry X-API-Key (a custom header .NET does not strip) to whatever host it names:
                // redirects are not followed; the failure names the address to configure instead.
                AllowAutoRedirect = false,
                // A cancelled stream's connection is closed at once instead of being read on (up to 2 s by default)
                // to be reused: the server sees the abort and frees the sequence within milliseconds.
                MaxResponseDrainSize = 0,
            });
        // Transient, like a typed HttpClient: resolved in a scope, it takes that scope's key provider (the signed-in person's).
        services.AddTransient(sp => new ModelApiClient(sp.GetRequiredService<IModelApi>(), options, sp.GetService<IApiKeyProvider>(), KeySource.Configured));
        services.TryAddTransient<IChatClient>(sp => new ModelApiChatClient(sp.GetRequiredService<ModelApiClient>()));
        return http;
    }
}
