using System.Globalization;
using System.Security.Cryptography;

namespace CustomGpt.Dashboard.Tests;

/// <summary>ModelApi (long context, so a run can be stopped mid-way; no key), for Dashboards run as several instances.</summary>
public sealed class SeveralDashboardsStack : IAsyncLifetime
{
    public const string Password = "several instances, one door";
    /// <summary>As an operator makes it: openssl rand -base64 48.</summary>
    public static readonly string Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    public ModelApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "2")).ReadyAsync();

    /// <summary>Two password-locked Dashboards, each with its own home folder, behind a round-robin proxy.</summary>
    public DashboardCluster Start(string? secret) => new(Api.Address, secret);

    public Task DisposeAsync()
    {
        Api?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Two Dashboard processes as two Fly machines: same settings and secret, nothing else shared (own home
/// folder, so own data-protection keys when there is no secret), and a proxy that sends each request to either.</summary>
public sealed class DashboardCluster : IDisposable
{
    readonly List<string> homes = [];
    readonly List<DashboardProcess> instances = [];

    public DashboardCluster(Uri api, string? secret)
    {
        try
        {
            instances.Add(Instance(api, secret));
            instances.Add(Instance(api, secret));
            Proxy = new RoundRobinProxy(instances[0].Address, instances[1].Address);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<DashboardProcess> Instances => instances;
    public RoundRobinProxy Proxy { get; } = null!;

    DashboardProcess Instance(Uri api, string? secret)
    {
        var home = Directory.CreateTempSubdirectory("customgpt-dashboard-home-").FullName;
        homes.Add(home);
        (string, string)[] env = [("HOME", home), ("DASHBOARD_PASSWORD", SeveralDashboardsStack.Password), .. secret is null ? [] : new[] { ("DASHBOARD_SECRET", secret) }];
        return new DashboardProcess(api, null, env);
    }

    /// <summary>"127.0.0.1:PORT" of an instance, as the proxy's log names it.</summary>
    public static string Upstream(DashboardProcess instance) => $"{instance.Address.Host}:{instance.Address.Port}";

    /// <summary>The instance whose circuit a page uses, once the page is idle: the only one holding a connection open
    /// (the proxy closes every other upstream connection when its request ends; a WebSocket stays open).</summary>
    public async Task<DashboardProcess> HoldingTheCircuitAsync()
    {
        for (var i = 0; i < 200; i++) // a hang guard of 10 s
        {
            var open = Instances.Where(d => !d.HasExited).Select(d => (d, EstablishedTo(d.Address.Port))).ToList();
            if (open.Count(o => o.Item2 > 0) == 1 && open.Sum(o => o.Item2) == 1) return open.Single(o => o.Item2 == 1).d;
            await Task.Delay(50);
        }
        throw new TimeoutException("No single instance holds the page's WebSocket.");
    }

    public DashboardProcess Other(DashboardProcess instance) => Instances.Single(d => d != instance);

    /// <summary>Established TCP connections accepted on 127.0.0.1:<paramref name="port"/> (from /proc/net/tcp).</summary>
    static int EstablishedTo(int port) => File.ReadLines("/proc/net/tcp").Skip(1)
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Count(f => int.Parse(f[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port && f[3] == "01");

    public void Dispose()
    {
        Proxy?.Dispose();
        foreach (var instance in instances) instance.Dispose();
        foreach (var home in homes) Directory.Delete(home, recursive: true);
    }
}
