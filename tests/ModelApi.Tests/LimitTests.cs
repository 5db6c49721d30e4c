using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace CustomGpt.ModelApi.Tests;

/// <summary>rpm_limit, tpm_limit and token_budget per key, on one storage (SQLite or PostgreSQL, see the classes below).
/// The gateway's clock is a FakeTimeProvider: a test moves it to the next minute instead of waiting for one.</summary>
public abstract class LimitTests
{
    protected abstract (string Key, string Value)[] Storage();

    ApiServer Server(FakeTimeProvider clock, params (string Key, string Value)[] more) => new(TestModels.Tiny, clock, [.. Storage(), .. more]);

    [Fact]
    public async Task Rpm_limit_gives_429_with_RateLimit_headers_and_counts_failed_requests_too()
    {
        var clock = Keys.Clock();
        using var server = await Server(clock).ReadyAsync();
        var http = server.Http;
        var key = await http.GenerateKeyAsync(new { rpm_limit = 3 });

        using var first = await http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("3", first.Header("RateLimit-Limit"));
        Assert.Equal("2", first.Header("RateLimit-Remaining"));
        using var bad = await http.CallAsync(key, "POST", "/generate", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("1", bad.Header("RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(key)).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(50));
        using var over = await http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, await over.CodeAsync());
        Assert.Equal("3", over.Header("RateLimit-Limit"));
        Assert.Equal("0", over.Header("RateLimit-Remaining"));
        Assert.Equal("10", over.Header("RateLimit-Reset"));
        Assert.Equal("10", over.Header("Retry-After"));
        // Another key has its own count.
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(await http.GenerateKeyAsync(new { rpm_limit = 3 }))).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(10)); // the next minute
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(key)).StatusCode);
    }

    [Fact]
    public async Task Tpm_limit_reserves_before_the_work_and_gives_429_tpm_exceeded_when_it_does_not_fit()
    {
        var clock = Keys.Clock();
        using var server = await Server(clock).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { tpm_limit = 10 });
        // 1 prompt token + 12: more than the minute allows at all, refused before any work.
        using var tooBig = await server.Http.GenerateWithAsync(key, numChars: 12);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooBig.StatusCode);
        Assert.Equal(ProblemCodes.TpmExceeded, await tooBig.CodeAsync());
        Assert.Equal(0, (await server.Http.InfoAsync(key)).GetProperty("usage").GetProperty("spend_tokens").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 5)).StatusCode); // 6 tokens
        clock.Advance(TimeSpan.FromSeconds(15));
        using var over = await server.Http.GenerateWithAsync(key, numChars: 5); // 6 more do not fit in 10
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.TpmExceeded, await over.CodeAsync());
        Assert.Equal("10", over.Header("RateLimit-Limit"));
        Assert.Equal("4", over.Header("RateLimit-Remaining"));
        Assert.Equal("45", over.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 3)).StatusCode); // 4 still fit

        clock.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 5)).StatusCode);
    }

    [Fact]
    public async Task Token_budget_refuses_up_front_what_does_not_fit_and_never_spends_past_it()
    {
        using var server = await Server(Keys.Clock()).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { token_budget = 10 });
        using var huge = await server.Http.GenerateWithAsync(key, numChars: 4000);
        Assert.Equal(HttpStatusCode.TooManyRequests, huge.StatusCode);
        Assert.Equal(ProblemCodes.BudgetExceeded, await huge.CodeAsync());
        Assert.Equal(0, (await server.Http.InfoAsync(key)).GetProperty("usage").GetProperty("spend_tokens").GetInt64());

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key, numChars: 5)).StatusCode);
        using var over = await server.Http.GenerateWithAsync(key, numChars: 5);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.BudgetExceeded, await over.CodeAsync());
        Assert.Equal("10", over.Header("RateLimit-Limit"));
        Assert.Equal("0", over.Header("RateLimit-Remaining"));
        var usage = (await server.Http.InfoAsync(key)).GetProperty("usage");
        Assert.Equal(6, usage.GetProperty("spend_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("reserved_tokens").GetInt64());

        // Raising the budget lets the key in again.
        await server.Http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{key}}","token_budget":1000}""");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(key)).StatusCode);
    }

    [Fact]
    public async Task Twenty_parallel_generations_on_a_budget_of_50_serve_at_most_what_fits()
    {
        using var server = await Server(Keys.Clock(), ("MAX_QUEUE", "100")).ReadyAsync();
        var big = await server.Http.GenerateKeyAsync(new { token_budget = 50 });
        var bigAnswers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Http.GenerateWithAsync(big, numChars: 200)));
        Assert.All(bigAnswers, a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.Equal(0, (await server.Http.InfoAsync(big)).GetProperty("usage").GetProperty("spend_tokens").GetInt64());

        var key = await server.Http.GenerateKeyAsync(new { token_budget = 50 });
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Http.GenerateWithAsync(key, numChars: 9))); // 10 tokens each
        var served = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        Assert.InRange(served, 1, 5);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        var usage = (await server.Http.InfoAsync(key)).GetProperty("usage");
        Assert.InRange(usage.GetProperty("spend_tokens").GetInt64(), 1, 50);
        Assert.Equal(0, usage.GetProperty("reserved_tokens").GetInt64());
    }

    [Fact]
    public async Task Twenty_parallel_completions_on_a_tpm_limit_of_50_serve_at_most_what_fits()
    {
        using var server = await Server(Keys.Clock(), ("MAX_QUEUE", "100")).ReadyAsync();
        async Task<(int Served, long Tokens)> BurstAsync(string key, int maxTokens)
        {
            var body = $$"""{"prompt":"","max_tokens":{{maxTokens}},"seed":1,"ignore_eos":true}""";
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Http.CallAsync(key, "POST", "/v1/completions", body)));
            long tokens = 0;
            foreach (var a in answers.Where(a => a.StatusCode == HttpStatusCode.OK))
                tokens += JsonDocument.Parse(await a.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
            foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal(ProblemCodes.TpmExceeded, await refused.CodeAsync());
                Assert.NotEqual("", refused.Header("Retry-After"));
            }
            return (answers.Count(a => a.StatusCode == HttpStatusCode.OK), tokens);
        }
        Assert.Equal((0, 0L), await BurstAsync(await server.Http.GenerateKeyAsync(new { tpm_limit = 50 }), 200));
        var (served, tokens) = await BurstAsync(await server.Http.GenerateKeyAsync(new { tpm_limit = 50 }), 9);
        Assert.InRange(served, 1, 5);
        Assert.InRange(tokens, 1, 50);
    }

    [Fact]
    public async Task Tokenize_counts_its_tokens_against_the_tpm_limit_but_not_the_budget()
    {
        var clock = Keys.Clock();
        using var server = await Server(clock).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { tpm_limit = 10, token_budget = 1000 });
        var text = JsonSerializer.Serialize(new { text = "the quick brown fox jumps over the lazy dog" });
        Assert.Equal(HttpStatusCode.OK, (await server.Http.CallAsync(key, "POST", "/tokenize", text)).StatusCode);
        using var over = await server.Http.CallAsync(key, "POST", "/tokenize", text);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal(ProblemCodes.TpmExceeded, await over.CodeAsync());
        Assert.Equal(0, (await server.Http.InfoAsync(key)).GetProperty("usage").GetProperty("spend_tokens").GetInt64());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.CallAsync(key, "POST", "/tokenize", text)).StatusCode);
    }

    [Fact]
    public async Task A_cancelled_generation_is_charged_what_it_used_and_gives_back_its_reservation()
    {
        using var server = await Server(Keys.Clock(), ("PARALLEL", "1")).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { token_budget = 100_000 });
        // The master key's long generation holds the one sequence, so the key's request waits in the queue, holding its reservation.
        using var blocker = await Stream(Keys.Master, CancellationToken.None);
        var waiting = await Stream(key, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
        Assert.Equal(1 + 8000, await ReservedAsync()); // held before the stream's headers were sent
        waiting.Dispose(); // the client leaves
        await Api.EventuallyAsync(async () => await ReservedAsync() == 0, "the reservation is given back");
        var usage = (await server.Http.InfoAsync(key)).GetProperty("usage");
        Assert.InRange(usage.GetProperty("spend_tokens").GetInt64(), 0, 8001);
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());

        async Task<long> ReservedAsync() => (await server.Http.InfoAsync(key)).GetProperty("usage").GetProperty("reserved_tokens").GetInt64();
        async Task<HttpResponseMessage> Stream(string caller, CancellationToken ct)
            => await server.Http.SendAsync(StreamRequest(caller), HttpCompletionOption.ResponseHeadersRead, ct);
        HttpRequestMessage StreamRequest(string caller)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/generate")
            {
                Content = new StringContent("""{"num_chars":8000,"seed":1,"ignore_eos":true,"stream":true}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-API-Key", caller);
            return request;
        }
    }

    [Fact]
    public async Task Without_a_virtual_key_RATE_LIMIT_RPM_counts_per_client_address()
    {
        var clock = Keys.Clock();
        using var server = await Server(clock, ("RATE_LIMIT_RPM", "2"), ("TRUST_FORWARDED_FOR", "true"), ("MASTER_KEY", "")).ReadyAsync();
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
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await From("203.0.113.7")).StatusCode);
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
