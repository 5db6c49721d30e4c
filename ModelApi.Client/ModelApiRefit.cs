using Refit;

namespace CustomGpt.ModelApi.Client;

/// <summary>How <see cref="IModelApi"/> is built: Refit's generated client, JSON through the contract's source-generated context.</summary>
static class ModelApiRefit
{
    /// <summary>The serializer takes the context's options, so the move to Refit 17 (generated clients and a
    /// <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> only) changes the version and nothing else.
    /// <see cref="RefitSettings.Buffered"/>: bodies are sent whole, with a Content-Length, as before.</summary>
    public static RefitSettings Settings { get; } = new(new SystemTextJsonContentSerializer(ModelApiJsonContext.Default.Options)) { Buffered = true };

    /// <summary>Over an <see cref="HttpClient"/> that already has the base address and the primary handler of <see cref="ModelApiClientServiceCollectionExtensions.AddModelApiClient"/>.</summary>
    public static IModelApi For(HttpClient http) => RestService.ForGenerated<IModelApi>(http, Settings);
}
