namespace CustomGpt.ModelApi.Client;

/// <summary>Where ModelApi is and how to talk to it. <see cref="FromEnvironment"/> reads GPT_API_URL and GPT_API_KEY.</summary>
public sealed record ModelApiClientOptions
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string UrlVariable = "GPT_API_URL";
    public const string KeyVariable = "GPT_API_KEY";

    public Uri BaseAddress { get; init; } = new(DefaultUrl);
    /// <summary>Sent as X-API-Key when set.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Longest wait for an answer, and for the next event of a stream.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);
    /// <summary>Longest wait for GET /health: a connection check should answer quickly.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool HasApiKey => !string.IsNullOrEmpty(ApiKey);

    /// <summary>Reads GPT_API_URL (default http://localhost:8080) and GPT_API_KEY through <paramref name="read"/>
    /// (the process environment when null, or e.g. an IConfiguration indexer).</summary>
    public static ModelApiClientOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var url = read(UrlVariable);
        var key = read(KeyVariable);
        if (string.IsNullOrWhiteSpace(url)) url = DefaultUrl;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new InvalidOperationException($"{UrlVariable}='{url}' must be an absolute http:// or https:// address.");
        var options = new ModelApiClientOptions { BaseAddress = uri, ApiKey = string.IsNullOrWhiteSpace(key) ? null : key.Trim() };
        options.EnsureKeyTravelsSafely();
        return options;
    }

    /// <summary>A key goes in clear text over plain http: allowed only to this machine (loopback).</summary>
    public void EnsureKeyTravelsSafely()
    {
        if (HasApiKey && BaseAddress.Scheme == Uri.UriSchemeHttp && !BaseAddress.IsLoopback)
            throw new InvalidOperationException(
                $"{UrlVariable}='{BaseAddress.GetLeftPart(UriPartial.Authority)}' is plain http to another machine, and an API key is set: " +
                "the key would cross the network in clear text. Use the https:// address (Cloud Run and Fly.io serve https).");
    }

    /// <summary>The absolute address of an API route such as "generate", keeping any path prefix of the base address.</summary>
    public Uri Route(string route)
    {
        var text = BaseAddress.AbsoluteUri;
        return new Uri(text.EndsWith('/') ? text + route : text + "/" + route);
    }
}
