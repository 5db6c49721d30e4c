using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>A limit reached is its own failure kind, with the limit, Retry-After and the key's source in the sentence,
/// not "busy": the person learns which key to fix and when to come back. Answers as ModelApi's gateway sends them.</summary>
public class LimitFailureTests
{
    public static TheoryData<string, int, ApiFailureKind, long?, int?, string> Limits => new()
    {
        { ProblemCodes.RateLimited, 429, ApiFailureKind.RateLimited, 3, 42, "(at most 3 a minute); retry in 42 s." },
        { ProblemCodes.TpmExceeded, 429, ApiFailureKind.TpmExceeded, 1000, 17, "has used its tokens for this minute (tpm_limit 1000); retry in 17 s." },
        { ProblemCodes.TooManyFailedKeys, 429, ApiFailureKind.RateLimited, null, 30, "Too many wrong keys came from this address, so the key in GPT_API_KEY is refused too; retry in 30 s." },
        { ProblemCodes.BudgetExceeded, 429, ApiFailureKind.BudgetExceeded, 50, null, "has spent its token budget of 50 tokens; retrying will not help" },
        { ProblemCodes.ModelNotAllowed, 403, ApiFailureKind.ModelNotAllowed, null, null, "may not use this model: The key k1 may use the models 'gpt-4o'" },
        { ProblemCodes.DatabaseUnavailable, 503, ApiFailureKind.DatabaseUnavailable, null, 5, "key database is unavailable, so no key can be checked" },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public async Task Each_limit_is_its_own_kind_with_the_limit_and_Retry_After_whole_or_streamed(string code, int status, ApiFailureKind kind, long? limit, int? retryAfter, string words)
    {
        await using var api = await RefusingAsync(code, status, limit, retryAfter);
        var client = Clients.For(new Uri(api.Urls.First()), "configured-key");

        var whole = (await client.GenerateAsync(Clients.Request(1, 5))).Failure;
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 5)));
        var streamed = Assert.IsType<GenerateStreamItem.Failed>(last).Failure;

        foreach (var failure in new[] { whole, streamed })
        {
            Assert.NotNull(failure);
            Assert.Equal((kind, status, code, limit), (failure.Kind, failure.StatusCode, failure.Code, failure.Limit));
            Assert.Equal(retryAfter, (int?)failure.RetryAfter?.TotalSeconds);
            Assert.Contains(words, failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("busy", failure.Message, StringComparison.OrdinalIgnoreCase);
            if (code != ProblemCodes.DatabaseUnavailable) Assert.Contains("the key in GPT_API_KEY", failure.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData(ProblemCodes.RateLimited, 429)]
    [InlineData(ProblemCodes.BudgetExceeded, 429)]
    [InlineData(ProblemCodes.KeyExpired, 401)]
    public async Task A_signed_in_persons_key_is_named_as_theirs_not_GPT_API_KEY(string code, int status)
    {
        await using var api = await RefusingAsync(code, status, limit: 3, retryAfter: 9);
        var keys = new OneKey("their-key");
        var client = Clients.For(new Uri(api.Urls.First()), apiKey: "configured-key", keys: keys);

        var failure = (await client.TokenizeAsync("a")).Failure;

        Assert.NotNull(failure);
        Assert.Contains("the key you signed in with", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("GPT_API_KEY", failure.Message, StringComparison.Ordinal);
        Assert.Equal(status == 401 ? 1 : 0, keys.Refused.Count); // only a refused key ends the session; a limit does not
    }

    [Fact]
    public async Task Without_a_key_the_per_address_limit_names_the_address()
    {
        await using var api = await RefusingAsync(ProblemCodes.RateLimited, 429, limit: 10, retryAfter: 30);
        var failure = (await Clients.For(new Uri(api.Urls.First())).GenerateAsync(Clients.Request(1, 5))).Failure;

        Assert.Equal(ApiFailureKind.RateLimited, failure?.Kind);
        Assert.Equal("Too many requests for this address (at most 10 a minute); retry in 30 s.", failure?.Message);
    }

    [Fact]
    public async Task Health_with_the_key_database_down_is_database_unavailable_not_a_model_that_failed_to_load()
    {
        await using var api = await StubApi.StartAsync(app => app.MapGet("/health", () => Results.Json(
            new { status = "error", error = "SQLite Error 14: unable to open database file", code = ProblemCodes.DatabaseUnavailable }, statusCode: 503)));

        var health = await Clients.For(new Uri(api.Urls.First())).HealthAsync();

        Assert.Equal(ApiFailureKind.DatabaseUnavailable, health.Failure?.Kind);
        Assert.Contains("unable to open database file", health.Failure?.Message, StringComparison.Ordinal);
    }

    /// <summary>Every route answers one problem, with the headers ModelApi's gateway sets.</summary>
    static Task<WebApplication> RefusingAsync(string code, int status, long? limit, int? retryAfter) => StubApi.StartAsync(app => app.MapFallback((HttpContext http) =>
    {
        if (limit is { } l) http.Response.Headers["RateLimit-Limit"] = l.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (retryAfter is { } r) http.Response.Headers.RetryAfter = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var detail = code == ProblemCodes.ModelNotAllowed ? "The key k1 may use the models 'gpt-4o'; this service serves 'tiny'." : "Refused by the stub.";
        return Results.Problem(title: "Refused.", detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
    }));

    sealed class OneKey(string key) : IApiKeyProvider
    {
        public List<ApiFailure> Refused { get; } = [];

        public ValueTask<string?> GetApiKeyAsync(CancellationToken ct) => ValueTask.FromResult<string?>(key);

        public void KeyRefused(ApiFailure failure) => Refused.Add(failure);
    }
}
