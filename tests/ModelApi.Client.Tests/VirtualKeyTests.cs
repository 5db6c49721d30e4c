using System.Net.Http.Json;
using System.Text.Json;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>The typed client carries a virtual key (from /key/generate) exactly as it carries API_KEY.</summary>
public class VirtualKeyTests
{
    const string Master = "master-for-client-tests";

    [Fact]
    public async Task A_virtual_key_is_sent_like_API_KEY_and_accepted_and_its_rpm_limit_reads_as_rate_limited_with_the_limit_and_Retry_After()
    {
        var db = Path.Combine(Directory.CreateTempSubdirectory("customgpt-client-keys-").FullName, "keys.db");
        using var api = await new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", db)).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        http.DefaultRequestHeaders.Add("X-API-Key", Master);
        using var made = await http.PostAsJsonAsync("/key/generate", new { rpm_limit = 2 });
        var key = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();

        // Two in this minute are allowed; stay well inside one minute so both land in it.
        var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 60;
        if (second > 50) await Task.Delay(TimeSpan.FromSeconds(61 - second));
        var client = Clients.For(api.Address, key);
        Assert.True((await client.GenerateAsync(Clients.Request(1, 5))).Succeeded);
        Assert.True((await client.TokenizeAsync("abc")).Succeeded);
        var limited = await client.GenerateAsync(Clients.Request(1, 5));
        Assert.Equal((ApiFailureKind.RateLimited, 429, ProblemCodes.RateLimited, 2L), (limited.Failure?.Kind, limited.Failure?.StatusCode, limited.Failure?.Code, limited.Failure?.Limit));
        Assert.NotNull(limited.Failure?.RetryAfter);
        Assert.Contains("GPT_API_KEY", limited.Failure!.Message, StringComparison.Ordinal); // the key's source
        Assert.DoesNotContain("busy", limited.Failure.Message, StringComparison.OrdinalIgnoreCase);

        var wrong = await Clients.For(api.Address, key + "x").GenerateAsync(Clients.Request(1, 5));
        Assert.Equal(ApiFailureKind.Unauthorized, wrong.Failure?.Kind);
    }

    [Fact]
    public async Task The_key_routes_are_typed_and_a_key_provider_gives_each_call_its_key_and_hears_when_it_is_refused()
    {
        var db = Path.Combine(Directory.CreateTempSubdirectory("customgpt-client-keys-").FullName, "keys.db");
        using var api = await new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", db)).ReadyAsync();
        var master = Clients.For(api.Address, Master);
        var made = await master.GenerateKeyAsync(new KeyGenerateRequest { KeyAlias = "fay", TokenBudget = 100_000 });
        Assert.True(made.Succeeded, made.ToString());

        var keys = new SignedInKey(made.Value.Key);
        var fay = Clients.For(api.Address, apiKey: "not-this-one", keys: keys); // the provider's key wins
        Assert.True((await fay.GenerateAsync(Clients.Request(1, 5))).Succeeded);
        var own = await fay.KeyInfoAsync();
        Assert.Equal("fay", own.Value?.Info?.KeyAlias);
        Assert.True(own.Value!.Info!.Usage.SpendTokens > 0);
        Assert.Contains((await master.ListKeysAsync()).Value!.Keys, k => k.KeyName == made.Value.KeyName && k.Usage.Requests > 0);

        var notMaster = await fay.ListKeysAsync();
        Assert.Equal("Only the master key (MASTER_KEY) may manage keys.", notMaster.Failure?.Message);
        Assert.Empty(keys.Refused); // 403: the key is fine, the route is not for it

        // A key for other models: the API's own words, and the key is not taken for revoked.
        var otherModels = await master.GenerateKeyAsync(new KeyGenerateRequest { Models = ["gpt-4o"] });
        var otherKeys = new SignedInKey(otherModels.Value!.Key);
        var notThisModel = await Clients.For(api.Address, keys: otherKeys).GenerateAsync(Clients.Request(1, 5));
        Assert.Equal((ApiFailureKind.ModelNotAllowed, 403, ProblemCodes.ModelNotAllowed), (notThisModel.Failure?.Kind, notThisModel.Failure?.StatusCode, notThisModel.Failure?.Code));
        Assert.StartsWith("The key you signed in with may not use", notThisModel.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("may use the models 'gpt-4o'; this service serves 'tiny'", notThisModel.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(otherKeys.Refused);

        var unlimited = await master.UpdateKeyAsync(new KeyUpdateRequest { Key = made.Value.KeyName, RpmLimit = 7, Remove = [KeySetting.TokenBudget] });
        Assert.Equal((7L, (long?)null), (unlimited.Value?.Info?.RpmLimit, unlimited.Value?.Info?.TokenBudget));
        Assert.True((await master.UpdateKeyAsync(new KeyUpdateRequest { Key = made.Value.KeyName, Blocked = true })).Succeeded);
        var blocked = await fay.TokenizeAsync("a");
        Assert.Equal(ProblemCodes.KeyBlocked, blocked.Failure?.Code);
        Assert.Equal(ProblemCodes.KeyBlocked, Assert.Single(keys.Refused).Code);
        Assert.Equal("The key you signed in with was not accepted (it is blocked): sign in again with a key that works.", blocked.Failure?.Message);
        Assert.Equal([made.Value.KeyName], (await master.DeleteKeysAsync([made.Value.KeyName])).Value?.DeletedKeys);
    }

    [Fact]
    public async Task A_spent_token_budget_is_budget_exceeded_with_the_budget_naming_the_signed_in_key_and_keeps_the_session()
    {
        var db = Path.Combine(Directory.CreateTempSubdirectory("customgpt-client-keys-").FullName, "keys.db");
        using var api = await new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", db)).ReadyAsync();
        var made = await Clients.For(api.Address, Master).GenerateKeyAsync(new KeyGenerateRequest { TokenBudget = 30 });
        var keys = new SignedInKey(made.Value!.Key);
        var client = Clients.For(api.Address, keys: keys);
        Assert.True((await client.GenerateAsync(Clients.Request(1, 5))).Succeeded); // the prompt and 5 tokens: at least 6 spent

        // The prompt and 25 tokens more no longer fit in what is left: refused before any work (the budget is reserved up front).
        var spent = await client.GenerateAsync(Clients.Request(1, 25));

        Assert.Equal((ApiFailureKind.BudgetExceeded, 429, 30L), (spent.Failure?.Kind, spent.Failure?.StatusCode, spent.Failure?.Limit));
        Assert.StartsWith("The key you signed in with has spent its token budget of 30 tokens", spent.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(keys.Refused); // the key is fine; it is out of tokens
    }

    /// <summary>One person's key, as a web app would give it per signed-in user.</summary>
    sealed class SignedInKey(string key) : IApiKeyProvider
    {
        public List<ApiFailure> Refused { get; } = [];

        public ValueTask<string?> GetApiKeyAsync(CancellationToken ct) => ValueTask.FromResult<string?>(key);

        public void KeyRefused(ApiFailure failure) => Refused.Add(failure);
    }
}
