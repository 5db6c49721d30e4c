using CustomGpt.ModelApi.Client;
using Tomlyn;
using Tomlyn.Model;

namespace CustomGpt.Deploy.Tests;

/// <summary>fly.toml read with Tomlyn, as a plain table.</summary>
static class FlyToml
{
    public static TomlTable Load() => TomlSerializer.Deserialize<TomlTable>(Repository.Read("fly.toml"))!;

    /// <summary>A value by dotted path ("http_service.internal_port"), or null.</summary>
    public static object? Get(this TomlTable toml, string path)
    {
        object? node = toml;
        foreach (var part in path.Split('.'))
            if (node is not TomlTable table || !table.TryGetValue(part, out node)) return null;
        return node;
    }

    public static TomlTable Check(TomlTable fly) => Assert.Single((TomlTableArray)fly.Get("http_service.checks")!);

    public static IReadOnlyDictionary<string, string> Env(TomlTable fly) =>
        ((TomlTable)fly["env"]).ToDictionary(e => e.Key, e => (string)e.Value);
}

/// <summary>fly.toml against Dockerfile.dashboard and the Dashboard's configuration names.</summary>
public sealed class FlyTomlTests
{
    readonly TomlTable fly = FlyToml.Load();

    [Fact]
    public void It_builds_Dockerfile_dashboard()
    {
        var dockerfile = (string)fly.Get("build.dockerfile")!;
        Assert.Equal("Dockerfile.dashboard", dockerfile);
        Assert.True(File.Exists(Repository.PathOf(dockerfile)));
    }

    [Fact]
    public void The_internal_port_is_the_port_the_image_listens_on_and_exposes()
    {
        var final = new Dockerfile(Repository.PathOf("Dockerfile.dashboard")).Final;
        Assert.Equal(8080L, fly.Get("http_service.internal_port"));
        Assert.Equal(final.Env["PORT"], fly.Get("http_service.internal_port")!.ToString());
        Assert.Equal([8080], final.ExposedPorts);
        Assert.Equal("0.0.0.0", final.Env["HOST"]);
    }

    [Fact]
    public void HTTPS_is_forced_and_machines_stop_when_idle_and_start_on_demand()
    {
        Assert.Equal(true, fly.Get("http_service.force_https"));
        Assert.Equal(true, fly.Get("http_service.auto_start_machines"));
        Assert.Contains(fly.Get("http_service.auto_stop_machines"), new object[] { true, "stop", "suspend" });
        Assert.Equal(0L, fly.Get("http_service.min_machines_running"));
    }

    [Fact]
    public void The_health_check_is_a_GET_of_the_Dashboard_health_endpoint()
    {
        var check = FlyToml.Check(fly);
        Assert.Equal("GET", check["method"]);
        Assert.Equal("/health", check["path"]);
        // That the published Dashboard answers this path with 200: DashboardImageTests.
        Assert.Contains("MapGet(\"/health\"", Repository.Read("Dashboard/Hosting/HealthEndpoint.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Env_names_are_ones_the_Dashboard_reads_and_no_key_is_among_them()
    {
        var env = FlyToml.Env(fly);
        Assert.Equal([ModelApiClientOptions.UrlVariable, "TRUST_FORWARDED_FOR", "DASHBOARD_SECRET_REQUIRED", "METRICS_PORT"], env.Keys);
        Assert.StartsWith("https://", env[ModelApiClientOptions.UrlVariable], StringComparison.Ordinal);
        Assert.Null(ModelApiClientOptions.FromEnvironment(k => env.GetValueOrDefault(k)).ApiKey);
        var settings = Repository.Read("Dashboard/Hosting/DashboardSettings.cs");
        Assert.Contains("\"TRUST_FORWARDED_FOR\"", settings, StringComparison.Ordinal);

        // Keys are Fly secrets, never values in the file; each secret named is one the Dashboard reads, and
        // every way of giving it a key of its own locks it with DASHBOARD_PASSWORD (else it refuses to start on Fly).
        var text = Repository.Read("fly.toml");
        foreach (var name in new[] { ModelApiClientOptions.KeyVariable, "GPT_MASTER_KEY", "DASHBOARD_PASSWORD" })
            Assert.DoesNotMatch(@"(?m)^\s*" + name + @"\s*=", text);
        Assert.Contains("\"GPT_MASTER_KEY\"", settings, StringComparison.Ordinal);
        Assert.Contains("\"DASHBOARD_PASSWORD\"", settings, StringComparison.Ordinal);
        var setLines = text.Split('\n').Where(l => l.Contains("fly secrets set ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(setLines);
        Assert.All(setLines.Where(l => l.Contains("GPT_", StringComparison.Ordinal)), l => Assert.Contains("DASHBOARD_PASSWORD=", l, StringComparison.Ordinal));
        Assert.Contains(setLines, l => l.Contains("GPT_MASTER_KEY=", StringComparison.Ordinal));
        Assert.Contains(setLines, l => l.Contains(ModelApiClientOptions.KeyVariable + "=", StringComparison.Ordinal));
    }

    [Fact]
    public void Several_machines_share_one_DASHBOARD_SECRET_set_as_a_Fly_secret_and_required_at_start()
    {
        // `fly deploy` makes two machines and Fly's proxy balances each request: every machine must derive the
        // same data-protection key, so the secret is required (the Dashboard refuses to start without it).
        Assert.Equal("true", FlyToml.Env(fly)["DASHBOARD_SECRET_REQUIRED"]);
        var secret = Repository.Read("Dashboard/Hosting/DashboardSecret.cs");
        Assert.Contains("Variable = \"DASHBOARD_SECRET\"", secret, StringComparison.Ordinal);
        Assert.Contains("RequiredVariable = \"DASHBOARD_SECRET_REQUIRED\"", secret, StringComparison.Ordinal);

        var text = Repository.Read("fly.toml");
        Assert.DoesNotMatch(@"(?m)^\s*DASHBOARD_SECRET\s*=", text); // a Fly secret, never a value in the file
        Assert.Contains("fly secrets set DASHBOARD_SECRET=$(openssl rand -base64 48)", text, StringComparison.Ordinal);
        Assert.Contains("fly secrets set DASHBOARD_SECRET=$(openssl rand -base64 48)", Repository.Read("docs/deploy-fly.md"), StringComparison.Ordinal);
        Assert.Contains("HowToSet = \"fly secrets set DASHBOARD_SECRET=$(openssl rand -base64 48)\"", secret, StringComparison.Ordinal);

        // Nothing asks for a single machine any more: the guide deploys with plain `fly deploy`.
        Assert.DoesNotContain("--ha=false", Repository.Read("docs/deploy-fly.md"), StringComparison.Ordinal);
        Assert.DoesNotContain("--ha=false", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Fly_scrapes_the_Dashboards_metrics_on_the_METRICS_PORT_it_sets_and_no_service_exposes_that_port()
    {
        // Fly's Prometheus scrapes [metrics] over the private network and sends no key: the Dashboard serves that port
        // (METRICS_PORT, Dashboard/Telemetry/MetricsPort.cs) with /metrics alone; the public services never route to it.
        var port = Assert.IsType<long>(fly.Get("metrics.port"));
        Assert.Equal("/metrics", fly.Get("metrics.path"));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), FlyToml.Env(fly)["METRICS_PORT"]);
        Assert.Contains("Variable = \"METRICS_PORT\"", Repository.Read("Dashboard/Telemetry/MetricsPort.cs"), StringComparison.Ordinal);
        Assert.NotEqual(port, fly.Get("http_service.internal_port"));
        List<TomlTable> services = fly.TryGetValue("services", out var s) ? [.. (TomlTableArray)s] : [];
        Assert.DoesNotContain(services, service => Equals(service["internal_port"], port));
        Assert.DoesNotContain((int)port, new Dockerfile(Repository.PathOf("Dockerfile.dashboard")).Final.ExposedPorts);
    }
}
