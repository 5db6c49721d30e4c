using System.Net;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>Usage per key and model, spend at the models' costs, and LiteLLM's max_budget reserved before the work.</summary>
public sealed class SpendTests(ModelsServer fixture) : IClassFixture<ModelsServer>
{
    HttpClient Http => fixture.Http;

    [Fact]
    public async Task Key_info_shows_usage_per_model_and_spend_at_the_models_costs()
    {
        var key = await Http.GenerateKeyAsync(new { key_alias = "per-model" });
        var alpha = await GenerateAsync(Http, key, ModelsServer.Alpha);
        var beta1 = await GenerateAsync(Http, key, ModelsServer.Beta);
        var beta2 = await GenerateAsync(Http, key, ModelsServer.Beta);

        var usage = (await Http.InfoAsync(key)).GetProperty("usage");
        var models = usage.GetProperty("models");
        Assert.Equal(2, models.EnumerateObject().Count());
        var a = models.GetProperty(ModelsServer.Alpha);
        Assert.Equal((1L, (long)alpha.Prompt, (long)alpha.Completion, 0.0),
            (a.GetProperty("requests").GetInt64(), a.GetProperty("prompt_tokens").GetInt64(), a.GetProperty("completion_tokens").GetInt64(), a.GetProperty("spend").GetDouble()));
        var b = models.GetProperty(ModelsServer.Beta);
        var betaSpend = Cost(beta1) + Cost(beta2);
        Assert.Equal(2, b.GetProperty("requests").GetInt64());
        Assert.Equal(beta1.Prompt + beta2.Prompt, b.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(betaSpend, b.GetProperty("spend").GetDouble(), 1e-9);
        Assert.Equal(betaSpend, usage.GetProperty("spend").GetDouble(), 1e-9); // alpha is local and free
        Assert.Equal(alpha.Prompt + beta1.Prompt + beta2.Prompt, usage.GetProperty("prompt_tokens").GetInt64());

        // /key/list carries the same.
        using var list = await Http.CallAsync(Keys.Master, "GET", "/key/list");
        var listed = (await list.ProblemAsync()).GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key_alias").GetString() == "per-model");
        Assert.Equal(betaSpend, listed.GetProperty("usage").GetProperty("spend").GetDouble(), 1e-9);
    }

    [Fact]
    public async Task Max_budget_is_validated_set_and_taken_away()
    {
        using var bad = await Http.CallAsync(Keys.Master, "POST", "/key/generate", """{"max_budget":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("max_budget", out _));
        var key = await Http.GenerateKeyAsync(new { max_budget = 2.5 });
        Assert.Equal(2.5, (await Http.InfoAsync(key)).GetProperty("max_budget").GetDouble());
        using (var raise = await Http.CallAsync(Keys.Master, "POST", "/key/update", JsonSerializer.Serialize(new { key, max_budget = 7.25 })))
            Assert.Equal(7.25, (await raise.ProblemAsync()).GetProperty("info").GetProperty("max_budget").GetDouble());
        using (var remove = await Http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{key}}","max_budget":null}"""))
            Assert.False((await remove.ProblemAsync()).GetProperty("info").TryGetProperty("max_budget", out var left) && left.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public Task Max_budget_holds_under_20_parallel_requests() => BudgetHoldsAsync(Http);

    /// <summary>Each request reserves its prompt and max_tokens at beta's costs; the budget fits about five such
    /// reservations while 20 requests at their real cost would spend about four budgets.</summary>
    internal static async Task BudgetHoldsAsync(HttpClient http)
    {
        var prompt = string.Concat(Enumerable.Repeat("日本語", 10));
        var promptTokens = await TokensAsync(http, prompt);
        const int maxTokens = 2;
        var reserve = promptTokens * ModelsServer.BetaInput + maxTokens * ModelsServer.BetaOutput;
        var budget = Math.Round(reserve * 5.5, 6);
        Assert.True(20 * promptTokens * ModelsServer.BetaInput > budget * 2, "the test could not fail");
        var key = await http.GenerateKeyAsync(new { max_budget = budget, models = new[] { ModelsServer.Beta } });

        var body = JsonSerializer.Serialize(new { model = ModelsServer.Beta, prompt, max_tokens = maxTokens, ignore_eos = true, seed = 1 });
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await http.CallAsync(key, "POST", "/generate", body);
            var json = await response.ProblemAsync();
            return (response.StatusCode, Code: response.IsSuccessStatusCode ? null : json.GetProperty("code").GetString(),
                Cost: response.IsSuccessStatusCode ? Cost((json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), json.GetProperty("usage").GetProperty("completion_tokens").GetInt32())) : 0);
        }));
        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(ok >= 1, "no request fitted the budget");
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal((HttpStatusCode.TooManyRequests, ProblemCodes.BudgetExceeded), (r.StatusCode, r.Code)));

        var usage = (await http.InfoAsync(key)).GetProperty("usage");
        var spend = usage.GetProperty("spend").GetDouble();
        Assert.True(spend <= budget + 1e-9, $"spent {spend} of a budget of {budget} with {ok} requests answered");
        Assert.Equal(ok, usage.GetProperty("models").GetProperty(ModelsServer.Beta).GetProperty("requests").GetInt64() - responses.Count(r => r.StatusCode != HttpStatusCode.OK));
        Assert.Equal(responses.Sum(r => r.Cost), spend, 1e-9); // settled to what each really used

        // Spent up to what no request fits: the next one is refused before any work.
        while (true)
        {
            using var next = await http.CallAsync(key, "POST", "/generate", body);
            if (next.StatusCode == HttpStatusCode.OK) continue;
            Assert.Equal(ProblemCodes.BudgetExceeded, await next.CodeAsync());
            Assert.Contains("max_budget", (await next.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            break;
        }
    }

    static async Task<int> TokensAsync(HttpClient http, string text)
    {
        using var response = await http.CallAsync(Keys.Master, "POST", "/tokenize", JsonSerializer.Serialize(new { model = ModelsServer.Beta, text }));
        return (await response.ProblemAsync()).GetProperty("count").GetInt32();
    }

    static double Cost((int Prompt, int Completion) usage) => usage.Prompt * ModelsServer.BetaInput + usage.Completion * ModelsServer.BetaOutput;

    static async Task<(int Prompt, int Completion)> GenerateAsync(HttpClient http, string key, string model)
    {
        using var response = await http.CallAsync(key, "POST", "/generate", JsonSerializer.Serialize(new { model, prompt = "日本", max_tokens = 3, seed = 2 }));
        var json = await response.ProblemAsync();
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        var usage = json.GetProperty("usage");
        return (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }
}

/// <summary>The same budget on PostgreSQL, where several instances share the key database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SpendOnPostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task Max_budget_holds_under_20_parallel_requests()
    {
        using var server = ModelsServer.OnPostgres(postgres.CreateDatabase());
        await server.InitializeAsync();
        await SpendTests.BudgetHoldsAsync(server.Http);
    }
}
