using System.Net;
using System.Text.Json;
using CustomGpt.ModelApi.Models;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>Two local models served side by side, by the name each request gives, on every route; unknown names,
/// keys limited to one model, /v1/models, /health per model, and a model added at run time.</summary>
public sealed class ModelRoutingTests(ModelsServer fixture) : IClassFixture<ModelsServer>
{
    HttpClient Http => fixture.Http;

    /// <summary>Three multi-byte characters: the wide model has a token for each, the tiny ASCII one spells their bytes.</summary>
    const string Wide = "日本語";

    static string Body(string path, string? model, string text = Wide) => path switch
    {
        "/generate" => Json(model, new { prompt = text, max_tokens = 2, seed = 1 }),
        "/chat" => Json(model, new { user_prompt = text, max_tokens = 2, seed = 1 }),
        "/tokenize" => Json(model, new { text }),
        "/v1/completions" => Json(model, new { prompt = text, max_tokens = 2, seed = 1 }),
        "/v1/chat/completions" => Json(model, new { messages = new[] { new { role = "user", content = text } }, max_tokens = 2, seed = 1 }),
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    static string Json(string? model, object body)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(body))!.AsObject();
        if (model is not null) node["model"] = model;
        return node.ToJsonString();
    }

    public static readonly TheoryData<string> Routes = new() { "/generate", "/chat", "/tokenize", "/v1/completions", "/v1/chat/completions" };

    /// <summary>The prompt tokens the route counted (a tokenizer's count for /tokenize).</summary>
    async Task<int> PromptTokensAsync(string path, string? model, string? key = Keys.Master)
    {
        using var response = await Http.CallAsync(key, "POST", path, Body(path, model));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} {model}: {(int)response.StatusCode} {text}");
        var json = JsonDocument.Parse(text).RootElement;
        if (path.StartsWith("/v1/", StringComparison.Ordinal)) Assert.Equal(string.IsNullOrEmpty(model) ? ModelsServer.Alpha : model, json.GetProperty("model").GetString());
        return path == "/tokenize" ? json.GetProperty("count").GetInt32() : json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Each_route_is_answered_by_the_model_it_names_and_the_first_by_default(string path)
    {
        var alpha = await PromptTokensAsync(path, ModelsServer.Alpha);
        var beta = await PromptTokensAsync(path, ModelsServer.Beta);
        // The tiny ASCII model spells the three characters in their 9 UTF-8 bytes; the wide model has a token for each.
        Assert.True(alpha > beta, $"{path}: alpha counted {alpha} prompt tokens, beta {beta}");
        Assert.Equal(alpha, await PromptTokensAsync(path, null));
        Assert.Equal(alpha, await PromptTokensAsync(path, ""));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task An_unknown_name_is_404_model_not_found_naming_the_served_ones(string path)
    {
        using var response = await Http.CallAsync(Keys.Master, "POST", path, Body(path, "gpt-5"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal(ProblemCodes.ModelNotFound, problem.GetProperty("code").GetString());
        Assert.StartsWith("No model is named 'gpt-5'; the models are 'alpha', 'beta', 'hosted'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_limited_to_one_model_is_refused_the_other_on_every_route_and_sees_only_its_own()
    {
        var key = await Http.GenerateKeyAsync(new { models = new[] { ModelsServer.Alpha } });
        foreach (var path in Routes)
        {
            foreach (var other in new[] { ModelsServer.Beta, ModelsServer.Hosted })
            {
                using var refused = await Http.CallAsync(key, "POST", path, Body(path, other));
                Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} {other}: {(int)refused.StatusCode}");
                var problem = await refused.ProblemAsync();
                Assert.Equal(ProblemCodes.ModelNotAllowed, problem.GetProperty("code").GetString());
                Assert.Contains($"may use the models 'alpha'; not '{other}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
            // An unknown name names only what this key may use.
            using var unknown = await Http.CallAsync(key, "POST", path, Body(path, "gpt-5"));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.EndsWith("the models are 'alpha'.", (await unknown.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(await PromptTokensAsync(path, ModelsServer.Alpha, key) > 0);
            Assert.True(await PromptTokensAsync(path, null, key) > 0); // the default is alpha
        }
        using var models = await Http.CallAsync(key, "GET", "/v1/models");
        var data = (await models.ProblemAsync()).GetProperty("data");
        Assert.Equal([ModelsServer.Alpha], data.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        var usage = (await Http.InfoAsync(key)).GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        // Refused requests (403 model_not_allowed, 404 model_not_found) are no usage of the model they named.
        Assert.Equal([ModelsServer.Alpha], usage.GetProperty("models").EnumerateObject().Select(m => m.Name));
    }

    [Fact]
    public async Task V1_models_lists_every_served_name_in_order_with_its_owner()
    {
        using var response = await Http.CallAsync(Keys.Master, "GET", "/v1/models");
        var data = (await response.ProblemAsync()).GetProperty("data").EnumerateArray()
            .Select(m => (m.GetProperty("id").GetString(), m.GetProperty("owned_by").GetString())).ToList();
        Assert.Equal([(ModelsServer.Alpha, "customgpt"), (ModelsServer.Beta, "customgpt"), (ModelsServer.Hosted, "openai")], data.Take(3));
    }

    [Fact]
    public async Task Health_reports_each_model_and_is_ok_with_the_default_models_info()
    {
        using var response = await Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = Api.Parse<HealthResponse>(await response.Content.ReadAsStringAsync());
        Assert.Equal(HealthStatus.Ok, health.Status);
        Assert.Equal("tiny", health.Model?.Name); // the default model's own info, for clients that read one model
        var models = health.Models!.Take(3).ToList();
        Assert.Equal([(ModelsServer.Alpha, ModelKinds.Local, HealthStatus.Ok), (ModelsServer.Beta, ModelKinds.Local, HealthStatus.Ok), (ModelsServer.Hosted, ModelKinds.Upstream, HealthStatus.Ok)],
            models.Select(m => (m.Name, m.Kind, m.Status)));
        Assert.Equal((256, "wide"), (models[0].Info!.ContextLength, models[1].Info!.Name));
        Assert.Equal("127.0.0.1:9/v1", Assert.Single(models[2].Deployments!).Id);
        Assert.DoesNotContain("sk-hosted-test-secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_log_and_metrics_carry_the_model()
    {
        var key = await Http.GenerateKeyAsync(new { key_alias = "logged" });
        await PromptTokensAsync("/v1/completions", ModelsServer.Beta, key);
        await PromptTokensAsync("/generate", ModelsServer.Alpha, key);
        Assert.Contains(fixture.Server.Logs.Lines, l => l.Contains("POST /v1/completions 200", StringComparison.Ordinal) && l.Contains("key=logged model=beta prompt_tokens=", StringComparison.Ordinal));
        Assert.Contains(fixture.Server.Logs.Lines, l => l.Contains("POST /generate 200", StringComparison.Ordinal) && l.Contains("key=logged model=alpha prompt_tokens=", StringComparison.Ordinal));

        using var metrics = await Http.CallAsync(Keys.Master, "GET", "/metrics");
        var scrape = Metrics.Parse(await metrics.Content.ReadAsStringAsync());
        foreach (var model in new[] { ModelsServer.Alpha, ModelsServer.Beta })
        {
            Assert.True(scrape.Find("customgpt_model_requests_total", ("model", model), ("deployment", "local"), ("status", "2xx")).Sum(s => s.Value) >= 1, model);
            Assert.True(scrape.Find("customgpt_model_tokens_total", ("model", model), ("type", "prompt")).Sum(s => s.Value) >= 1, model);
        }
        Assert.True(scrape.Find("customgpt_model_spend_total", ("model", ModelsServer.Beta)).Sum(s => s.Value) > 0);
        Assert.Empty(scrape.Find("customgpt_model_spend_total", ("model", ModelsServer.Alpha))); // free
    }

    [Fact]
    public async Task A_model_added_at_run_time_is_served_under_its_new_name()
    {
        var file = Path.Combine(System.IO.Directory.CreateTempSubdirectory("customgpt-added-").FullName, "tuned.gguf");
        File.Copy(TestModels.Wide, file);
        var catalog = fixture.Server.Services.GetRequiredService<ModelCatalog>();
        await catalog.AddLocalAsync("tuned", file, CancellationToken.None);
        await catalog.AddLocalAsync("tuned", file, CancellationToken.None); // again at a restart: nothing changes
        await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.AddLocalAsync(ModelsServer.Alpha, file, CancellationToken.None));
        // MEMORY_LIMIT_MB leaves room for one more tiny model, not two.
        var another = Path.Combine(Path.GetDirectoryName(file)!, "another.gguf");
        File.Copy(TestModels.Wide, another);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.AddLocalAsync("another", another, CancellationToken.None));
        Assert.Contains($"'another': ", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"does not fit beside the models served", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another", catalog.Names);

        using (var models = await Http.CallAsync(Keys.Master, "GET", "/v1/models"))
            Assert.Contains("tuned", (await models.ProblemAsync()).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        await Api.EventuallyAsync(async () =>
        {
            using var health = await Http.GetAsync("/health");
            return Api.Parse<HealthResponse>(await health.Content.ReadAsStringAsync()).Models!.Any(m => m is { Name: "tuned", Status: HealthStatus.Ok });
        }, "the added model has loaded");
        Assert.Equal(3, await PromptTokensAsync("/tokenize", "tuned"));
        Assert.True(await PromptTokensAsync("/v1/chat/completions", "tuned") > 0);
    }
}
