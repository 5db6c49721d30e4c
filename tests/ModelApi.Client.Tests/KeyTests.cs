namespace CustomGpt.ModelApi.Client.Tests;

public sealed class KeyedApi : IAsyncLifetime
{
    public const string Key = "s3cret-key-for-client-tests";

    public ModelApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await new ModelApiProcess(TestModels.Tiny, ("API_KEY", Key)).ReadyAsync();

    public Task DisposeAsync()
    {
        Api.Dispose();
        return Task.CompletedTask;
    }
}

public class KeyTests(KeyedApi fixture) : IClassFixture<KeyedApi>
{
    [Theory]
    [InlineData("wrong-key")]
    [InlineData(null)]
    public async Task A_wrong_or_missing_key_is_unauthorized_but_health_stays_public(string? key)
    {
        var client = Clients.For(fixture.Api.Address, key);

        var health = await client.HealthAsync();
        var generate = await client.GenerateAsync(Clients.Request(1, 10));
        var tokenize = await client.TokenizeAsync("abc");
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10)));

        Assert.True(health.Succeeded, health.ToString());
        foreach (var failure in new[] { generate.Failure, tokenize.Failure, Assert.IsType<GenerateStreamItem.Failed>(last).Failure })
        {
            Assert.NotNull(failure);
            Assert.Equal(ApiFailureKind.Unauthorized, failure.Kind);
            Assert.Equal(401, failure.StatusCode);
            Assert.Contains("GPT_API_KEY", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_right_key_is_sent_as_X_API_Key_and_accepted()
    {
        var client = Clients.For(fixture.Api.Address, KeyedApi.Key);

        var generate = await client.GenerateAsync(Clients.Request(1, 10));
        var (text, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 10)));

        Assert.True(generate.Succeeded, generate.ToString());
        Assert.IsType<GenerateStreamItem.Done>(last);
        Assert.Equal(generate.Value.GeneratedText, text);
    }
}
