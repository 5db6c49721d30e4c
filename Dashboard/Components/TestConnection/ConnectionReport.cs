using System.Globalization;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Components.TestConnection;

public enum ConnectionState { Unknown, Ready, Loading, Unauthorized, Unreachable, Failed }

/// <summary>What Test Connection found: a state, the model when ready, the round trip, and why not ready.</summary>
public sealed record ConnectionReport(ConnectionState State, string Summary, ModelInfo? Model = null, TimeSpan? RoundTrip = null)
{
    public static ConnectionReport NotTested { get; } = new(ConnectionState.Unknown, "Not tested yet.");

    /// <summary>GET /health says whether the model is ready; /health needs no key, so a cheap
    /// POST /tokenize of "" then checks that the key (or its absence) is accepted.</summary>
    public static async Task<ConnectionReport> TestAsync(ModelApiClient client, CancellationToken ct)
    {
        var health = await client.HealthAsync(ct);
        if (!health.Succeeded) return FromFailure(health.Failure);
        var key = await client.TokenizeAsync("", ct);
        if (!key.Succeeded && key.Failure.Kind != ApiFailureKind.Loading) return FromFailure(key.Failure);
        var m = health.Value.Model;
        var summary = m is null
            ? "Ready."
            : string.Create(CultureInfo.InvariantCulture,
                $"Ready: {m.Name}, {Parameters(m.Parameters)} parameters, {Megabytes(m.FileSizeBytes)}, context {m.ContextLength:N0} tokens.");
        return new ConnectionReport(ConnectionState.Ready, summary, m, health.Elapsed);
    }

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
