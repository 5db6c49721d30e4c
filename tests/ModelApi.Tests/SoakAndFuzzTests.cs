using CustomGpt.Bench.Soak;

namespace CustomGpt.ModelApi.Tests;

/// <summary>The short version of `bench -- --soak` and `bench -- --fuzz` (bench/Soak): a regression that
/// makes the service crash, answer 5xx or drop connections under mixed and hostile traffic fails here.</summary>
public sealed class SoakAndFuzzTests : IAsyncLifetime
{
    ModelApiProcess api = null!;
    HttpClient http = null!;

    public async Task InitializeAsync()
    {
        api = await new ModelApiProcess(TestModels.Tiny).ReadyAsync();
        http = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Task DisposeAsync()
    {
        http.Dispose();
        api.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Thirty_seconds_of_mixed_traffic_with_hang_ups_and_bad_bodies_get_no_5xx_and_no_dropped_connection()
    {
        var report = await new SoakRun(http, api.ResidentBytes, clients: 6, seed: 7).RunAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

        Assert.True(report.ServerErrors == 0 && report.DroppedConnections == 0,
            $"5xx: {report.ServerErrors}, dropped: {report.DroppedConnections}; by status: {string.Join(", ", report.ByStatus)}");
        Assert.True(report.ByStatus.GetValueOrDefault(200) > 50, "the traffic mostly succeeded: " + string.Join(", ", report.ByStatus));
        Assert.True(report.ByStatus.Keys.Any(s => s is >= 400 and < 500), "the bad bodies were refused");
        Assert.True(report.Disconnects > 0, "some streams hung up");
        // A leak guard, not the goal: the bench's 10-minute run measures the drift (docs/performance.md "Soak and fuzz").
        Assert.True(report.ResidentDriftPercent < 50, $"resident memory grew {report.ResidentDriftPercent:F1} %");
        await api.IdleAsync(); // every hung-up stream freed its sequence
        Assert.False(api.HasExited);
        Assert.True((await http.GetAsync("/health")).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Hostile_bodies_on_every_route_get_4xx_never_5xx()
    {
        var report = await FuzzRun.RunAsync(http, bodiesPerRoute: 150, seed: 20261129);

        Assert.True(report.Findings.Count == 0, string.Join("\n", report.Findings.Select(f => $"{f.Route} #{f.Index} (seed 20261129): {f.What}")));
        Assert.True(report.ByStatus.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > report.Sent / 2, string.Join(", ", report.ByStatus));
        Assert.True((await http.GetAsync("/health")).IsSuccessStatusCode);
    }
}
