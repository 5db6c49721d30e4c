using OpenTelemetry.Exporter;

namespace CustomGpt.Dashboard.Telemetry;

/// <summary>
/// METRICS_PORT: a second listener that serves GET /metrics (Prometheus text) and nothing else, without a key, for a
/// scraper on a private network (Fly's, through fly.toml's [metrics]; the port is in no [[services]], so the internet
/// never reaches it). The Dashboard's own port does not serve /metrics: the choice is made on the port the connection
/// arrived on, never on the Host header, which the visitor writes.
/// </summary>
public static class MetricsPort
{
    public const string Variable = "METRICS_PORT";

    /// <summary>The port, or null when unset. Not a port, or the Dashboard's own: the start stops naming it.</summary>
    public static int? FromConfiguration(IConfiguration config, int dashboardPort)
    {
        var raw = config[Variable];
        if (string.IsNullOrWhiteSpace(raw)) return null;
        if (!int.TryParse(raw, out var port) || port is < 1 or > 65535)
            throw new InvalidOperationException($"Invalid configuration: {Variable}='{raw}' must be a whole number from 1 to 65535.");
        if (port == dashboardPort)
            throw new InvalidOperationException($"Invalid configuration: {Variable}={port} is the Dashboard's own PORT; give the metrics a port of their own.");
        return port;
    }

    /// <summary>The listener's address: on HOST, but every interface, IPv6 too, when HOST is 0.0.0.0: Fly's private
    /// network (6PN), where its scraper comes from, is IPv6. Kestrel binds "*" dual-stack and falls back to IPv4 alone
    /// where the machine has no IPv6.</summary>
    public static string Url(string host, int port) => host == "0.0.0.0" ? $"http://*:{port}" : $"http://{host}:{port}";

    /// <summary>Requests that came in on the metrics port end here: /metrics is scraped, anything else is 404.</summary>
    public static WebApplication UseMetricsPort(this WebApplication app, int? port)
    {
        if (port is not { } metrics) return app;
        app.MapWhen(http => http.Connection.LocalPort == metrics, branch =>
        {
            branch.UseOpenTelemetryPrometheusScrapingEndpoint(http => HttpMethods.IsGet(http.Request.Method) && http.Request.Path == "/metrics");
            branch.Run(http =>
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }
}
