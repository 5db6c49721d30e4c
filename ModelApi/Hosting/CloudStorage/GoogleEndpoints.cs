namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>Where the metadata server and the Cloud Storage API are: Google's addresses, or the ones
/// GCE_METADATA_HOST and STORAGE_EMULATOR_HOST name (the variables Google's client libraries read).</summary>
public static class GoogleEndpoints
{
    public const string MetadataHost = "metadata.google.internal";

    public static readonly Uri Storage = new("https://storage.googleapis.com/");

    /// <summary>GCE_METADATA_HOST: host[:port], no scheme (the metadata server speaks plain HTTP).</summary>
    public static string ParseMetadataHost(string? raw, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(raw)) return MetadataHost;
        var host = raw.Trim();
        if (host.IndexOfAny(['/', '?', '#', '@', ' ']) < 0 && Uri.TryCreate("http://" + host, UriKind.Absolute, out _))
            return host;
        errors.Add($"GCE_METADATA_HOST='{host}' must be a host with an optional port, such as 169.254.169.254 or 127.0.0.1:8089.");
        return MetadataHost;
    }

    /// <summary>STORAGE_EMULATOR_HOST: host:port (plain HTTP, as Google's libraries take it) or a URL.
    /// The access token goes there, so plain http only to this machine.</summary>
    public static Uri ParseStorage(string? raw, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(raw)) return Storage;
        var value = raw.Trim();
        var withScheme = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var url) && url.Query.Length == 0
            && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            return new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        errors.Add($"STORAGE_EMULATOR_HOST='{value}' must be host:port on this machine (plain http) or an https:// URL: the service's access token is sent there.");
        return Storage;
    }
}
