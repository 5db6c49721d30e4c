using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ModelApi.Client.Tests;

public class ConnectionTests
{
    [Fact]
    public async Task A_closed_port_is_unreachable_with_the_reason()
    {
        var client = Clients.For(new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}"));

        var health = await client.HealthAsync();
        var generate = await client.GenerateAsync(Clients.Request(1, 10));
        var tokenize = await client.TokenizeAsync("x");
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10)));

        foreach (var failure in new[] { health.Failure, generate.Failure, tokenize.Failure, Assert.IsType<GenerateStreamItem.Failed>(last).Failure })
        {
            Assert.NotNull(failure);
            Assert.Equal(ApiFailureKind.Unreachable, failure.Kind);
            Assert.Contains("connection refused", failure.Message, StringComparison.Ordinal);
            Assert.Null(failure.StatusCode);
        }
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var accepted = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            var held = new List<Socket>();
            try
            {
                while (true) held.Add(await silent.AcceptSocketAsync(accepted.Token));
            }
            catch (OperationCanceledException)
            {
                held.ForEach(s => s.Dispose());
            }
        });
        var client = Clients.For(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"), timeout: TimeSpan.FromSeconds(1));

        var health = await client.HealthAsync();
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10)));

        Assert.Equal(ApiFailureKind.Timeout, health.Failure?.Kind);
        Assert.Contains("within 1 s", health.Failure?.Message, StringComparison.Ordinal);
        Assert.Equal(ApiFailureKind.Timeout, Assert.IsType<GenerateStreamItem.Failed>(last).Failure.Kind);
        await accepted.CancelAsync();
        await accepting;
    }

    [Fact]
    public async Task The_callers_own_cancellation_is_thrown_not_reported_as_a_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var client = Clients.For(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.HealthAsync(cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GenerateAsync(Clients.Request(1, 10), cts.Token));
    }

    [Fact]
    public async Task A_server_killed_mid_stream_ends_the_stream_with_connection_lost()
    {
        using var api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1")).ReadyAsync();
        var client = Clients.For(api.Address);
        var items = new List<GenerateStreamItem>();

        await foreach (var item in client.GenerateStreamAsync(Clients.Request(seed: 2, numChars: 8192)))
        {
            items.Add(item);
            if (items.Count == 1) api.Kill();
        }

        var failed = Assert.IsType<GenerateStreamItem.Failed>(items[^1]);
        Assert.Equal(ApiFailureKind.Unreachable, failed.Failure.Kind);
        Assert.Contains("lost", failed.Failure.Message, StringComparison.Ordinal);
        Assert.All(items[..^1], i => Assert.IsType<GenerateStreamItem.Delta>(i));
    }

    [Fact]
    public async Task A_server_that_is_not_ModelApi_is_unexpected_in_words()
    {
        await using var web = await StubApi.StartAsync(app => app.MapFallback(() => Results.Content("<html>a web page</html>", "text/html")));
        var client = Clients.For(new Uri(web.Urls.First()));

        var health = await client.HealthAsync();
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10)));

        Assert.Equal(ApiFailureKind.Unexpected, health.Failure?.Kind);
        Assert.Contains("is this the ModelApi address?", health.Failure?.Message, StringComparison.Ordinal);
        Assert.Equal(ApiFailureKind.Unexpected, Assert.IsType<GenerateStreamItem.Failed>(last).Failure.Kind);
    }

    [Fact]
    public void Options_come_from_GPT_API_URL_and_GPT_API_KEY_with_a_default_address()
    {
        var none = ModelApiClientOptions.FromEnvironment(_ => null);
        var set = ModelApiClientOptions.FromEnvironment(k => k == "GPT_API_URL" ? "https://api.internal:9000/prefix" : k == "GPT_API_KEY" ? " k1 " : null);

        Assert.Equal(new Uri("http://localhost:8080"), none.BaseAddress);
        Assert.False(none.HasApiKey);
        Assert.Equal("k1", set.ApiKey);
        Assert.Equal(new Uri("https://api.internal:9000/prefix/generate"), set.Route("generate"));
        Assert.Throws<InvalidOperationException>(() => ModelApiClientOptions.FromEnvironment(k => k == "GPT_API_URL" ? "localhost:8080" : null));
    }
}
