using System.Net;

namespace CustomGpt.ModelApi.Tests;

/// <summary>rpm_limit, tpm_limit and token_budget per key, on one storage (SQLite or PostgreSQL, see the classes below).</summary>
public abstract class LimitTests
{
    protected abstract (string Key, string Value)[] Storage();

    [Fact]
    public async Task Rpm_limit_gives_429_with_RateLimit_headers_and_counts_failed_requests_too()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var http = server.Http;
        var key = await http.GenerateKeyAsync(new { rpm_limit = 3 });
        await Keys.FreshMinuteAsync();

        using var first = await http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("3", first.Header("RateLimit-Limit"));
        Assert.Equal("2", first.Header("RateLimit-Remaining"));
        using var bad = await http.CallAsync(key, "POST", "/generate", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("1", bad.Header("RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(key)).StatusCode);

        using var over = await http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await over.CodeAsync());
        Assert.Equal("3", over.Header("RateLimit-Limit"));
        Assert.Equal("0", over.Header("RateLimit-Remaining"));
        Assert.InRange(int.Parse(over.Header("RateLimit-Reset")), 1, 60);
        Assert.InRange(int.Parse(over.Header("Retry-After")), 1, 60);
        // Another key has its own count.
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(await http.GenerateKeyAsync(new { rpm_limit = 3 }))).StatusCode);
    }

    [Fact]
    public async Task Tpm_limit_gives_429_once_the_minute_s_tokens_are_used()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { tpm_limit = 10 });
        await Keys.FreshMinuteAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 12)).StatusCode); // 13+ tokens
        using var over = await server.Http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await over.CodeAsync());
        Assert.Equal("10", over.Header("RateLimit-Limit"));
        Assert.Equal("0", over.Header("RateLimit-Remaining"));
        Assert.NotEqual("", over.Header("Retry-After"));
    }

    [Fact]
    public async Task Token_budget_gives_429_budget_exceeded_once_spent()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { token_budget = 10 });
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 12)).StatusCode);
        using var over = await server.Http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.BudgetExceeded, await over.CodeAsync());
        Assert.Equal("10", over.Header("RateLimit-Limit"));
        Assert.Equal("0", over.Header("RateLimit-Remaining"));
        Assert.True((await server.Http.InfoAsync(key)).GetProperty("usage").GetProperty("spend_tokens").GetInt64() >= 13);

        // Raising the budget lets the key in again.
        await server.Http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{key}}","token_budget":1000}""");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key)).StatusCode);
    }

    [Fact]
    public async Task Without_a_virtual_key_RATE_LIMIT_RPM_counts_per_client_address()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: [.. Storage(), ("RATE_LIMIT_RPM", "2"), ("TRUST_FORWARDED_FOR", "true"), ("MASTER_KEY", "")]).ReadyAsync();
        await Keys.FreshMinuteAsync();
        Task<HttpResponseMessage> From(string address)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/tokenize") { Content = new StringContent("""{"text":"a"}""", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Forwarded-For", "10.0.0.1, " + address); // the trusted proxy appends the client on the right
            return server.Http.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.OK, (await From("203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await From("203.0.113.7")).StatusCode);
        using var over = await From("203.0.113.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await over.CodeAsync());
        Assert.Equal(HttpStatusCode.OK, (await From("203.0.113.8")).StatusCode);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);
    }
}

public sealed class LimitsOnSqliteTests : LimitTests
{
    protected override (string Key, string Value)[] Storage() => Keys.OnSqlite();
}

[Collection(PostgresCollection.Name)]
public sealed class LimitsOnPostgresTests(PostgresServer postgres) : LimitTests
{
    protected override (string Key, string Value)[] Storage() => [("MASTER_KEY", Keys.Master), ("DATABASE_URL", postgres.CreateDatabase())];
}
