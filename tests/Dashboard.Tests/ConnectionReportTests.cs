using CustomGpt.Dashboard.Components.TestConnection;
using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.Dashboard.Tests;

/// <summary>What Test Connection reports for each state of the API, against real ModelApi processes (and a closed port).</summary>
public class ConnectionReportTests
{
    static ModelApiClient Client(Uri address, string? apiKey = null)
    {
        var services = new ServiceCollection();
        services.AddModelApiClient(new ModelApiClientOptions { BaseAddress = address, ApiKey = apiKey });
        return services.BuildServiceProvider().GetRequiredService<ModelApiClient>();
    }

    [Fact]
    public async Task Ready_names_the_model_its_size_and_context_and_times_the_round_trip()
    {
        using var api = await new ModelApiProcess(TestModels.Tiny, ("API_KEY", "right-key-long-enough")).ReadyAsync();
        var report = await ConnectionReport.TestAsync(Client(api.Address, "right-key-long-enough"), CancellationToken.None);
        Assert.Equal(ConnectionState.Ready, report.State);
        Assert.StartsWith("Ready: tiny, ", report.Summary, StringComparison.Ordinal);
        Assert.Contains("context 512 tokens", report.Summary, StringComparison.Ordinal);
        Assert.Equal("tiny", report.Model?.Name);
        Assert.NotNull(report.RoundTrip);

        // /health needs no key: the report still finds out that this one is wrong.
        var wrongKey = await ConnectionReport.TestAsync(Client(api.Address, "wrong"), CancellationToken.None);
        Assert.Equal(ConnectionState.Unauthorized, wrongKey.State);
        Assert.StartsWith("Unauthorized: ", wrongKey.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", wrongKey.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_model_of_a_list_is_described_by_its_own_state()
    {
        var until = new DateTimeOffset(2026, 12, 6, 11, 42, 7, TimeSpan.Zero);
        Assert.Equal("loading 42%", ConnectionReport.Describe(new ModelHealth("a", ModelKinds.Local, HealthStatus.Loading, Progress: 0.42)));
        Assert.Equal("file not found", ConnectionReport.Describe(new ModelHealth("b", ModelKinds.Local, HealthStatus.Error, Error: "file not found")));
        Assert.Equal("kept out of rotation after failures until 11:42:07 UTC", ConnectionReport.Describe(new ModelHealth("c", ModelKinds.Upstream, HealthStatus.Cooldown,
            Deployments: [new DeploymentHealth("api.example.com", HealthStatus.Cooldown, until), new DeploymentHealth("backup.example.com", HealthStatus.Ok)])));
        Assert.Equal("forwarded to an upstream", ConnectionReport.Describe(new ModelHealth("d", ModelKinds.Upstream, HealthStatus.Ok)));
        var report = new ConnectionReport(ConnectionState.Ready, "Ready.", Models: [new ModelHealth("e", ModelKinds.Local, HealthStatus.Ok)]);
        Assert.Null(report.InfoOf("e")); // listed without details: none, rather than another model's
    }

    [Fact]
    public async Task A_model_that_cannot_load_is_an_error_and_a_closed_port_is_unreachable()
    {
        using (var api = new ModelApiProcess(TestModels.Corrupt))
        {
            ConnectionReport report;
            var tries = 0;
            do report = await ConnectionReport.TestAsync(Client(api.Address), CancellationToken.None);
            while (report.State == ConnectionState.Loading && ++tries < 600 && await Task.Delay(50).ContinueWith(_ => true));
            Assert.Equal(ConnectionState.Failed, report.State);
            Assert.Contains("could not be loaded", report.Summary, StringComparison.Ordinal);
        }

        var closed = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}/");
        var unreachable = await ConnectionReport.TestAsync(Client(closed), CancellationToken.None);
        Assert.Equal(ConnectionState.Unreachable, unreachable.State);
        Assert.Contains("refused", unreachable.Summary, StringComparison.OrdinalIgnoreCase);
        Assert.Null(unreachable.Model);
    }

    [Fact]
    public async Task While_the_model_is_still_downloading_it_is_loading()
    {
        // A file server that sends the headers and then holds the body back.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var files = builder.Build();
        files.MapGet("/model.gguf", async (HttpContext c) =>
        {
            c.Response.ContentLength = 1 << 20;
            await c.Response.Body.FlushAsync();
            await hold.Task;
        });
        await files.StartAsync();
        var cache = Directory.CreateTempSubdirectory("customgpt-report-").FullName;
        try
        {
            using var api = new ModelApiProcess("unused.gguf", ("MODEL_URL", files.Urls.First() + "/model.gguf"), ("MODEL_CACHE_DIR", Path.Combine(cache, "models")));
            var report = await ConnectionReport.TestAsync(Client(api.Address), CancellationToken.None);
            Assert.Equal(ConnectionState.Loading, report.State);
            Assert.StartsWith("Loading: ", report.Summary, StringComparison.Ordinal);
        }
        finally
        {
            hold.SetResult();
            Directory.Delete(cache, recursive: true);
        }
    }
}
