using System.Net;

namespace CustomGpt.Dashboard.Tests;

/// <summary>METRICS_PORT: the Dashboard's own metrics for a private scraper (Fly's sends no key) on a port of their own,
/// and never on the Dashboard's port, whatever Host header a visitor writes.</summary>
public class MetricsPortTests
{
    static readonly Uri NoApi = new($"http://127.0.0.1:{ServerProcess.FreePort()}");

    [Fact]
    public async Task The_metrics_port_serves_Prometheus_text_without_a_key_and_the_Dashboards_port_does_not()
    {
        var port = ServerProcess.FreePort();
        // A password door: the main port asks everyone to sign in; the scraper still needs nothing.
        using var dashboard = new DashboardProcess(NoApi, "the-operators-key", ("DASHBOARD_PASSWORD", "open sesame"), ("METRICS_PORT", port.ToString()));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using (var health = await http.GetAsync(new Uri(dashboard.Address, "/health"))) Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var scrape = Metrics.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
        Assert.Equal("histogram", scrape.Types["http_server_request_duration_seconds"]);
        Assert.Contains(scrape.Find("http_server_request_duration_seconds_count", ("http_route", "/health")), s => s.Value >= 1);
        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Contains(scrape.Find("target_info"), s => s.Labels.GetValueOrDefault("service_name") == "customgpt-dashboard");

        // The Dashboard's port: the sign-in door or the page, never the series; even when the Host header names the metrics port.
        foreach (var host in new string?[] { null, $"127.0.0.1:{port}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard.Address, "/metrics"));
            if (host is not null) request.Headers.Host = host;
            using var main = await http.SendAsync(request);
            Assert.DoesNotContain("http_server_request_duration_seconds", await main.Content.ReadAsStringAsync());
        }
        // The metrics port: nothing but GET /metrics.
        using (var page = await http.GetAsync($"http://127.0.0.1:{port}/")) Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        using (var signin = await http.GetAsync($"http://127.0.0.1:{port}/signin")) Assert.Equal(HttpStatusCode.NotFound, signin.StatusCode);
    }

    [Fact]
    public void Without_METRICS_PORT_nothing_else_listens_and_a_bad_one_stops_the_start_naming_it()
    {
        using (var plain = new DashboardProcess(NoApi))
            Assert.Single(plain.Output.Split('\n'), line => line.Contains("Now listening on", StringComparison.Ordinal));
        var refused = Assert.ThrowsAny<Exception>(() => new DashboardProcess(NoApi, null, ("METRICS_PORT", "ninety"))).ToString();
        Assert.Contains("METRICS_PORT='ninety' must be a whole number", refused);
    }
}
