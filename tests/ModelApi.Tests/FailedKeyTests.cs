using System.Net;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Wrong keys are counted per client address: past 20 in a minute every key from that address gets 429
/// with Retry-After (the right one too, or the answer would still tell a right guess from a wrong one).</summary>
public abstract class FailedKeyTests
{
    protected abstract (string Key, string Value)[] Settings();

    protected virtual string RightKey => Keys.Master;

    [Fact]
    public async Task Twenty_wrong_keys_a_minute_from_one_address_lock_it_out_until_the_minute_ends()
    {
        var clock = Keys.Clock();
        using var server = await new ApiServer(TestModels.Tiny, clock, Settings()).ReadyAsync();
        for (var i = 0; i < 20; i++)
        {
            using var wrong = await server.Http.CallAsync($"sk-wrong-key-number-{i:D2}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "POST", "/tokenize", """{"text":"a"}""");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        clock.Advance(TimeSpan.FromSeconds(20));
        foreach (var key in new[] { "sk-another-wrong-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx", RightKey })
        {
            using var refused = await server.Http.CallAsync(key, "POST", "/tokenize", """{"text":"a"}""");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(ProblemCodes.TooManyFailedKeys, await refused.CodeAsync());
            Assert.Equal("40", refused.Header("Retry-After"));
        }
        // A missing key is not a guess, and /health asks for none.
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.CallAsync(null, "POST", "/tokenize", """{"text":"a"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.CallAsync(RightKey, "POST", "/tokenize", """{"text":"a"}""")).StatusCode);
    }
}

public sealed class FailedKeysWithApiKeyTests : FailedKeyTests
{
    protected override (string Key, string Value)[] Settings() => [("API_KEY", Keys.Single)];
    protected override string RightKey => Keys.Single;
}

public sealed class FailedKeysOnSqliteTests : FailedKeyTests
{
    protected override (string Key, string Value)[] Settings() => Keys.OnSqlite();
}

[Collection(PostgresCollection.Name)]
public sealed class FailedKeysOnPostgresTests(PostgresServer postgres) : FailedKeyTests
{
    protected override (string Key, string Value)[] Settings() => [("MASTER_KEY", Keys.Master), ("DATABASE_URL", postgres.CreateDatabase())];

    [Fact]
    public async Task Instances_sharing_the_database_share_the_count()
    {
        var clock = Keys.Clock();
        var url = postgres.CreateDatabase();
        using var a = await new ApiServer(TestModels.Tiny, clock, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)).ReadyAsync();
        using var b = await new ApiServer(TestModels.Tiny, clock, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)).ReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await b.Http.CallAsync(Keys.Master, "GET", "/key/list")).StatusCode);
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await a.Http.CallAsync("wrong-guess-" + i, "GET", "/key/list")).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2)); // b read the count a second ago: it reads again
        using var refused = await b.Http.CallAsync(Keys.Master, "GET", "/key/list");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(ProblemCodes.TooManyFailedKeys, await refused.CodeAsync());
    }
}
