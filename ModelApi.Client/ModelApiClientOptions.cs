namespace CustomGpt.ModelApi.Client;

/// <summary>Where ModelApi is and how to talk to it. <see cref="FromEnvironment"/> reads GPT_API_URL, GPT_API_KEY and GPT_API_TIMEOUT_SECONDS.</summary>
public sealed record ModelApiClientOptions
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string UrlVariable = "GPT_API_URL";
    public const string KeyVariable = "GPT_API_KEY";
    public const string TimeoutVariable = "GPT_API_TIMEOUT_SECONDS";
    /// <summary>As the original front end had: a long generation on a slow CPU may take minutes to answer.</summary>
    public const int DefaultTimeoutSeconds = 300;
    public const int MaxTimeoutSeconds = 3600;

    public Uri BaseAddress { get; init; } = new(DefaultUrl);
    /// <summary>Sent as X-API-Key when set.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Longest wait for an answer, and for the next event of a stream.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);
    /// <summary>Longest wait for GET /health: a connection check should answer quickly.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool HasApiKey => !string.IsNullOrEmpty(ApiKey);

    /// <summary>Reads GPT_API_URL (default http://localhost:8080), GPT_API_KEY and GPT_API_TIMEOUT_SECONDS (default 300) through <paramref name="read"/>
    /// (the process environment when null, or e.g. an IConfiguration indexer).</summary>
    public static ModelApiClientOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var url = read(UrlVariable);
        var key = read(KeyVariable);
        if (string.IsNullOrWhiteSpace(url)) url = DefaultUrl;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new InvalidOperationException($"{UrlVariable}='{url}' must be an absolute http:// or https:// address.");
        var options = new ModelApiClientOptions { BaseAddress = uri, ApiKey = string.IsNullOrWhiteSpace(key) ? null : key.Trim(), Timeout = TimeoutFrom(read(TimeoutVariable)) };
        options.EnsureKeyTravelsSafely();
        return options;
    }

    static TimeSpan TimeoutFrom(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return TimeSpan.FromSeconds(DefaultTimeoutSeconds);
        if (!int.TryParse(raw.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > MaxTimeoutSeconds)
            throw new InvalidOperationException($"{TimeoutVariable}='{raw}' must be a whole number of seconds from 1 to {MaxTimeoutSeconds}.");
        return TimeSpan.FromSeconds(seconds);
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
