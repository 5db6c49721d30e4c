using CustomGpt.ModelApi.Client;
using CustomGpt.ServiceDefaults;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>Everything the Dashboard reads from the environment: PORT, HOST, GPT_API_URL, GPT_API_KEY, GPT_API_TIMEOUT_SECONDS,
/// GPT_MASTER_KEY, DASHBOARD_PASSWORD, DASHBOARD_PUBLIC, TRUST_FORWARDED_FOR, FORWARDED_HOPS (DASHBOARD_SECRET: <see cref="DashboardSecret"/>).</summary>
public sealed record DashboardSettings(int Port, string Host, ModelApiClientOptions Api)
{
    /// <summary>The operator's ModelApi master key: turns on the Keys page for everyone past the door, and is the
    /// server-held key when GPT_API_KEY is unset (a private operator's Dashboard).</summary>
    public string? MasterKey { get; init; }
    /// <summary>When set, everyone signs in with this password and then uses the server-held key.</summary>
    public string? Password { get; init; }
    /// <summary>The operator states that a server-held key may be used by anyone who reaches the Dashboard.</summary>
    public bool Public { get; init; }
    /// <summary>The proxies trusted to say who the visitor is and whether they came over https (TRUST_FORWARDED_FOR, FORWARDED_HOPS).</summary>
    public ForwardedTrust Forwarded { get; init; } = ForwardedTrust.None;

    /// <summary>A key held by the server on everyone's behalf (GPT_API_KEY, else GPT_MASTER_KEY): whoever passes the door uses it.</summary>
    public bool HoldsKey => Api.HasApiKey;

    public static DashboardSettings FromConfiguration(IConfiguration config)
    {
        var rawPort = config["PORT"];
        var port = 8080;
        if (!string.IsNullOrWhiteSpace(rawPort) && (!int.TryParse(rawPort, out port) || port is < 0 or > 65535))
            throw new InvalidOperationException($"Invalid configuration: PORT='{rawPort}' must be a whole number from 0 to 65535.");
        var host = config["HOST"] is { Length: > 0 } h ? h : "127.0.0.1";
        var api = ModelApiClientOptions.FromEnvironment(key => config[key]);
        var master = Trimmed(config["GPT_MASTER_KEY"]);
        if (master is not null && !api.HasApiKey) api = api with { ApiKey = master };
        if (master is not null) (api with { ApiKey = master }).EnsureKeyTravelsSafely();
        return new DashboardSettings(port, host, api)
        {
            MasterKey = master,
            Password = Trimmed(config["DASHBOARD_PASSWORD"]),
            Public = Flag(config, "DASHBOARD_PUBLIC"),
            Forwarded = ReadForwarded(config),
        };
    }

    static ForwardedTrust ReadForwarded(IConfiguration config)
    {
        var errors = new List<string>();
        bool? trust = string.IsNullOrWhiteSpace(config["TRUST_FORWARDED_FOR"]) ? null : Flag(config, "TRUST_FORWARDED_FOR");
        int? hops = null;
        if (config["FORWARDED_HOPS"] is { } rawHops && !string.IsNullOrWhiteSpace(rawHops))
        {
            if (!int.TryParse(rawHops, out var n) || n is < 0 or > ForwardedTrust.MaxHops)
                throw new InvalidOperationException($"Invalid configuration: FORWARDED_HOPS='{rawHops}' must be a whole number from 0 to {ForwardedTrust.MaxHops}.");
            hops = n;
        }
        var forwarded = ForwardedTrust.From(trust, hops, config["FLY_APP_NAME"], errors);
        return errors.Count == 0 ? forwarded : throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", errors));
    }

    static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>true/1 or false/0 (or unset); anything else stops the start, so a typo never turns a safety off.</summary>
    internal static bool Flag(IConfiguration config, string name) => config[name]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "0" => false,
        "true" or "1" => true,
        var other => throw new InvalidOperationException($"Invalid configuration: {name}='{other}' must be true or false."),
    };
}
