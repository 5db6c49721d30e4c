using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>Everything the Dashboard reads from the environment: PORT, HOST, GPT_API_URL, GPT_API_KEY.</summary>
public sealed record DashboardSettings(int Port, string Host, ModelApiClientOptions Api)
{
    public static DashboardSettings FromConfiguration(IConfiguration config)
    {
        var rawPort = config["PORT"];
        var port = 8080;
        if (!string.IsNullOrWhiteSpace(rawPort) && (!int.TryParse(rawPort, out port) || port is < 0 or > 65535))
            throw new InvalidOperationException($"Invalid configuration: PORT='{rawPort}' must be a whole number from 0 to 65535.");
        var host = config["HOST"] is { Length: > 0 } h ? h : "127.0.0.1";
        return new DashboardSettings(port, host, ModelApiClientOptions.FromEnvironment(key => config[key]));
    }
}
