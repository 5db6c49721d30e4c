using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>The key goes to the configured address only, and never in clear text across a network.</summary>
public class KeySafetyTests
{
    [Fact]
    public async Task A_redirect_is_not_followed_so_the_key_never_reaches_the_host_it_names()
    {
        var seen = new ConcurrentQueue<string?>();
        await using var elsewhere = await StubApi.StartAsync(app => app.MapFallback((HttpContext c) => { seen.Enqueue(c.Request.Headers["X-API-Key"]); return Results.Ok(); }));
        var target = elsewhere.Urls.First();
        await using var redirecting = await StubApi.StartAsync(app => app.MapFallback((HttpContext c) => Results.Redirect(target + c.Request.Path, permanent: false, preserveMethod: true)));

        var client = Clients.For(new Uri(redirecting.Urls.First()), "the-key");
        var health = await client.HealthAsync();
        var generate = await client.GenerateAsync(Clients.Request(1, 5));
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 5)));

        foreach (var failure in new[] { health.Failure, generate.Failure, Assert.IsType<GenerateStreamItem.Failed>(last).Failure })
        {
            Assert.NotNull(failure);
            Assert.Contains("redirect", failure.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("GPT_API_URL", failure.Message, StringComparison.Ordinal);
        }
        Assert.Empty(seen);
    }

    [Theory]
    [InlineData("http://models.example.com:8080", true)]
    [InlineData("http://10.1.2.3", true)]
    [InlineData("https://models.example.com", false)]
    [InlineData("http://127.0.0.1:8080", false)]
    [InlineData("http://localhost:8080", false)]
    public void A_key_over_plain_http_to_another_machine_is_a_configuration_error(string url, bool refused)
    {
        var read = (string name) => name == ModelApiClientOptions.UrlVariable ? url : name == ModelApiClientOptions.KeyVariable ? "the-key" : null;
        if (!refused)
        {
            Assert.True(ModelApiClientOptions.FromEnvironment(read).HasApiKey);
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => ModelApiClientOptions.FromEnvironment(read));
        Assert.Contains("https://", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-key", e.Message, StringComparison.Ordinal);
        // Without a key nothing secret travels: plain http stays allowed.
        Assert.False(ModelApiClientOptions.FromEnvironment(name => name == ModelApiClientOptions.UrlVariable ? url : null).HasApiKey);
    }
}
