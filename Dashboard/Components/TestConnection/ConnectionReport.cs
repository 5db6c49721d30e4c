using System.Globalization;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Components.TestConnection;

public enum ConnectionState { Unknown, Ready, Loading, Unauthorized, Unreachable, Failed }

/// <summary>What Test Connection found: a state, the (default) model when ready, the round trip, why not ready, and
/// each served model's own state when /health lists them (<see cref="Models"/>; null from a server of one model).</summary>
public sealed record ConnectionReport(ConnectionState State, string Summary, ModelInfo? Model = null, TimeSpan? RoundTrip = null,
    IReadOnlyList<ModelHealth>? Models = null)
{
    public static ConnectionReport NotTested { get; } = new(ConnectionState.Unknown, "Not tested yet.");

    /// <summary>GET /health says whether the models are ready; /health needs no key, so a cheap
    /// GET /v1/models then checks that the key (or its absence) is accepted, without asking any one model.</summary>
    public static async Task<ConnectionReport> TestAsync(ModelApiClient client, CancellationToken ct)
    {
        var health = await client.HealthAsync(ct);
        if (!health.Succeeded) return FromFailure(health.Failure) with { Models = health.Failure.Health?.Models };
        var key = await client.ModelsAsync(ct);
        if (!key.Succeeded && key.Failure.Kind != ApiFailureKind.Loading)
            return FromFailure(key.Failure) with { Models = health.Value.Models };
        var m = health.Value.Model;
        var summary = m is null
            ? "Ready."
            : string.Create(CultureInfo.InvariantCulture,
                $"Ready: {m.Name}, {Parameters(m.Parameters)} parameters, {Megabytes(m.FileSizeBytes)}, context {m.ContextLength:N0} tokens.");
        return new ConnectionReport(ConnectionState.Ready, summary, m, health.Elapsed, health.Value.Models);
    }

    /// <summary>The details of the model named when <see cref="Models"/> lists it (none for an upstream), else the default model's.</summary>
    public ModelInfo? InfoOf(string? name) => Models?.FirstOrDefault(m => m.Name == name) is { } listed ? listed.Info : Model;

    /// <summary>One model's state in words: ready with its size, loading with progress, the error, or when a cool-down ends.</summary>
    public static string Describe(ModelHealth m) => m.Status switch
    {
        HealthStatus.Ok when m.Info is { } info => string.Create(CultureInfo.InvariantCulture,
            $"{Parameters(info.Parameters)} parameters, {Megabytes(info.FileSizeBytes)}, context {info.ContextLength:N0}"),
        HealthStatus.Ok => m.Kind == ModelKinds.Upstream ? "forwarded to an upstream" : "ready",
        HealthStatus.Loading => m.Progress is { } p ? string.Create(CultureInfo.InvariantCulture, $"loading {p * 100:0}%") : "loading",
        HealthStatus.Error => m.Error ?? "could not be loaded",
        HealthStatus.Cooldown => m.Deployments?.Where(d => d.CooldownUntil is not null).Select(d => d.CooldownUntil!.Value).DefaultIfEmpty().Max() is { } until && until != default
            ? string.Create(CultureInfo.InvariantCulture, $"kept out of rotation after failures until {until:HH:mm:ss} UTC")
            : "kept out of rotation after failures",
        _ => m.Status,
    };
    static ConnectionReport FromFailure(ApiFailure f) => f.Kind switch
    {
        ApiFailureKind.Loading => new(ConnectionState.Loading, "Loading: the model is warming up; test again in a few seconds."),
        ApiFailureKind.Unauthorized or ApiFailureKind.ModelNotAllowed => new(ConnectionState.Unauthorized, "Unauthorized: " + f.Message),
        ApiFailureKind.Unreachable => new(ConnectionState.Unreachable, f.Message),
        ApiFailureKind.Timeout => new(ConnectionState.Unreachable, "Unreachable: " + f.Message),
        _ => new(ConnectionState.Failed, f.Message),
    };

    static string Parameters(ulong n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " k",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    static string Megabytes(long bytes) => (bytes / 1048576.0).ToString(bytes < 10 * 1048576 ? "0.0" : "0", CultureInfo.InvariantCulture) + " MB";
}
