using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>MASTER_KEY, API_KEY and METRICS_TOKEN as digests, compared in constant time (<see cref="ApiKeyCheck"/>).</summary>
public sealed class GatewaySecrets(ModelApiSettings settings)
{
    readonly byte[]? master = Digest(settings.MasterKey), apiKey = Digest(settings.ApiKey), metrics = Digest(settings.MetricsToken);

    /// <summary>False for an open server: no key is asked for.</summary>
    public bool AnyKey => master is not null || apiKey is not null;

    public bool HasMasterKey => master is not null;

    public bool IsMaster(string presented) => master is not null && ApiKeyCheck.Matches(presented, master);

    public bool IsApiKey(string presented) => apiKey is not null && ApiKeyCheck.Matches(presented, apiKey);

    public bool IsMetricsToken(string presented) => metrics is not null && ApiKeyCheck.Matches(presented, metrics);

    static byte[]? Digest(string? secret) => secret is null ? null : ApiKeyCheck.Digest(secret);
}
