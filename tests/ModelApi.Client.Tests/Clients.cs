using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>Typed clients built the way an application builds them: through AddModelApiClient.</summary>
static class Clients
{
    public static ModelApiClient For(Uri address, string? apiKey = null, TimeSpan? timeout = null, IApiKeyProvider? keys = null) =>
        Services(address, apiKey, timeout, keys).GetRequiredService<ModelApiClient>();

    /// <summary>What an app's DI container holds after AddModelApiClient: ModelApiClient, IChatClient, the HttpClient.</summary>
    public static ServiceProvider Services(Uri address, string? apiKey = null, TimeSpan? timeout = null, IApiKeyProvider? keys = null)
    {
        var options = new ModelApiClientOptions { BaseAddress = address, ApiKey = apiKey };
        if (timeout is { } t) options = options with { Timeout = t, HealthTimeout = t };
        var services = new ServiceCollection();
        services.AddModelApiClient(options);
        if (keys is not null) services.AddSingleton(keys);
        return services.BuildServiceProvider();
    }

    public static GenerateRequest Request(long seed, int numChars, string prompt = "the lazy dog") =>
        new() { Prompt = prompt, Seed = seed, Temperature = 0.9, NumChars = numChars, IgnoreEos = true };

    public static int CharCount(string s) => s.EnumerateRunes().Count();

    /// <summary>Reads a stream to its end: the text of the deltas and the last item.</summary>
    public static async Task<(string Text, GenerateStreamItem Last)> ReadAllAsync(IAsyncEnumerable<GenerateStreamItem> stream)
    {
        var text = new System.Text.StringBuilder();
        GenerateStreamItem? last = null;
        await foreach (var item in stream)
        {
            Assert.Null(last is GenerateStreamItem.Delta ? null : last); // nothing after done/failed
            if (item is GenerateStreamItem.Delta d) text.Append(d.Text);
            last = item;
        }
        return (text.ToString(), last!);
    }
}
