using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;

namespace CustomGpt.ModelApi.Tests.Upstreams;

/// <summary>
/// ModelApi as the gateway of a MODELS_CONFIG with a local GGUF entry ("local"), an upstream entry ("hosted": a second,
/// real ModelApi process) and an upstream nothing answers ("broken", falling back to "local"), with virtual keys.
/// </summary>
public sealed class UpstreamGatewayFixture : IAsyncLifetime
{
    public const string HostedKey = UpstreamModelApiFixture.Key;

    public ModelApiProcess Upstream { get; private set; } = null!;
    public ApiServer Gateway { get; private set; } = null!;
    public string UpstreamId => $"127.0.0.1:{Upstream.Address.Port}/v1";

    public async Task InitializeAsync()
    {
        Upstream = await new ModelApiProcess(TestModels.Chat, ("API_KEY", HostedKey)).ReadyAsync();
        var folder = System.IO.Directory.CreateTempSubdirectory("customgpt-upstreams-").FullName;
        var config = Path.Combine(folder, "config.yaml");
        File.WriteAllText(config, $$"""
            model_list:
              - model_name: local
                litellm_params: { model: gguf/{{TestModels.Tiny}} }
              - model_name: hosted
                litellm_params: { model: openai/chat, api_base: "{{new Uri(Upstream.Address, "v1")}}", api_key: os.environ/HOSTED_KEY, timeout: 120 }
                model_info: { input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
              - model_name: broken
                litellm_params: { model: openai/none, api_base: "http://127.0.0.1:{{ServerProcess.FreePort()}}/v1", api_key: os.environ/HOSTED_KEY }
            router_settings: { num_retries: 1 }
            litellm_settings: { fallbacks: [ { broken: [ local ] } ] }
            """);
        Gateway = new ApiServer(TestModels.Tiny, source: null, [("MODELS_CONFIG", config), ("HOSTED_KEY", HostedKey), .. Keys.OnSqlite()]);
        await Api.EventuallyAsync(async () =>
        {
            using var health = await Gateway.Http.GetAsync("/health");
            return health.StatusCode == HttpStatusCode.OK;
        }, "the local model has loaded");
    }

    public Task DisposeAsync()
    {
        Gateway.Dispose();
        Upstream.Dispose();
        return Task.CompletedTask;
    }
}

public class UpstreamGatewayTests(UpstreamGatewayFixture fixture) : IClassFixture<UpstreamGatewayFixture>
{
    HttpClient Http => fixture.Gateway.Http;

    [Fact]
    public async Task One_key_reaches_the_local_and_the_hosted_model_by_name_with_usage_per_model()
    {
        var key = await Http.GenerateKeyAsync(new { key_alias = "both", token_budget = 100000 });
        const string chat = """{"model":"MODEL","messages":[{"role":"user","content":"the lazy dog"}],"max_tokens":12,"temperature":0}""";

        using var local = await Http.CallAsync(key, "POST", "/v1/chat/completions", chat.Replace("MODEL", "local"));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal("local", JsonNode.Parse(await local.Content.ReadAsStringAsync())!["model"]!.ToString());

        using var hosted = await Http.CallAsync(key, "POST", "/v1/chat/completions", chat.Replace("MODEL", "hosted"));
        var body = await hosted.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, hosted.StatusCode);
        var answer = JsonNode.Parse(body)!;
        Assert.Equal("hosted", answer["model"]!.ToString());
        var completion = answer["usage"]!["completion_tokens"]!.GetValue<int>();
        Assert.True(completion is > 0 and <= 12);
        Assert.DoesNotContain(UpstreamGatewayFixture.HostedKey, body);

        // Usage per key and per model, charged at the hosted deployment's costs (the local model costs nothing).
        var usage = (await Http.InfoAsync(key)).GetProperty("usage");
        var prompt = answer["usage"]!["prompt_tokens"]!.GetValue<int>();
        var hostedUsage = usage.GetProperty("models").GetProperty("hosted");
        Assert.Equal(prompt, hostedUsage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(completion, hostedUsage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(prompt * 0.001 + completion * 0.002, hostedUsage.GetProperty("spend").GetDouble(), 9);
        Assert.Equal(0, usage.GetProperty("models").GetProperty("local").GetProperty("spend").GetDouble());
        Assert.Equal(prompt * 0.001 + completion * 0.002, usage.GetProperty("spend").GetDouble(), 9);
        Assert.Equal(0, usage.GetProperty("reserved_tokens").GetInt64()); // settled: nothing held any more
        Assert.Contains(fixture.Gateway.Logs.Lines, l => l.Contains("model=hosted", StringComparison.Ordinal) && l.Contains("deployment=" + fixture.UpstreamId, StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Gateway.Logs.Lines, l => l.Contains(UpstreamGatewayFixture.HostedKey, StringComparison.Ordinal));

        var health = JsonNode.Parse(await Http.GetStringAsync("/health"))!;
        var entry = health["models"]!.AsArray().Single(m => m!["name"]!.ToString() == "hosted")!;
        Assert.Equal(ModelKinds.Upstream, entry["kind"]!.ToString());
        Assert.Equal(fixture.UpstreamId, entry["deployments"]![0]!["id"]!.ToString());
        Assert.Equal(HealthStatus.Ok, entry["deployments"]![0]!["status"]!.ToString());

        using var metrics = await Http.CallAsync(Keys.Master, "GET", "/metrics");
        Assert.True(Metrics.Value(await metrics.Content.ReadAsStringAsync(),
            $"customgpt_upstream_attempts_total{{deployment=\"{fixture.UpstreamId}\",model=\"hosted\",outcome=\"ok\"}}") >= 1);
    }

    [Fact]
    public async Task Generate_and_chat_reach_a_hosted_model_in_this_apis_shapes()
    {
        using var generated = await Http.CallAsync(Keys.Master, "POST", "/generate", """{"model":"hosted","prompt":"the quick","num_chars":10,"temperature":0}""");
        var generate = JsonNode.Parse(await generated.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.True(generate["generated_text"]!.ToString().Length <= 10);
        Assert.True(generate["usage"]!["completion_tokens"]!.GetValue<int>() > 0);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = new StringContent("""{"model":"hosted","user_prompt":"hello","max_tokens":8,"stream":true}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-API-Key", Keys.Master);
        using var streamed = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await streamed.Content.ReadAsStreamAsync()).EnumerateAsync()) events.Add(item);
        var done = JsonNode.Parse(events.Single(e => e.EventType == "done").Data)!;
        var text = string.Concat(events.Where(e => e.EventType == "delta").Select(e => JsonNode.Parse(e.Data)!["text"]!.ToString()));
        Assert.Equal(text, done["response"]!.ToString());
        var history = done["conversation_history"]!.AsArray();
        Assert.Equal("hello", history[^2]!["content"]!.ToString());
        Assert.Equal(text, history[^1]!["content"]!.ToString());
        Assert.True(done["usage"]!["completion_tokens"]!.GetValue<int>() is > 0 and <= 8);
    }

    [Fact]
    public async Task A_failing_upstream_falls_back_to_the_local_model()
    {
        using var response = await Http.CallAsync(Keys.Master, "POST", "/v1/chat/completions", """{"model":"broken","messages":[{"role":"user","content":"hi"}],"max_tokens":5}""");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local", JsonNode.Parse(body)!["model"]!.ToString());

        // A key that may not use the fallback gets the failure, not the fallback's answer.
        var onlyBroken = await Http.GenerateKeyAsync(new { key_alias = "only-broken", models = new[] { "broken" } });
        using var refused = await Http.CallAsync(onlyBroken, "POST", "/v1/chat/completions", """{"model":"broken","messages":[{"role":"user","content":"hi"}],"max_tokens":5}""");
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);

        // /generate and /chat fall back too, answering in this API's shapes from the local model.
        using var generated = await Http.CallAsync(Keys.Master, "POST", "/generate", """{"model":"broken","prompt":"the","max_tokens":5}""");
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.True(JsonNode.Parse(await generated.Content.ReadAsStringAsync())!["usage"]!["completion_tokens"]!.GetValue<int>() is > 0 and <= 5);
        using var chatted = await Http.CallAsync(Keys.Master, "POST", "/chat", """{"model":"broken","user_prompt":"hi","max_tokens":5}""");
        Assert.Equal(HttpStatusCode.OK, chatted.StatusCode);
        Assert.Contains(fixture.Gateway.Logs.Lines, l => l.Contains("POST /chat 200", StringComparison.Ordinal) && l.Contains("model=local", StringComparison.Ordinal));
    }
    [Fact]
    public async Task A_fallback_to_local_under_a_token_budget_holds_and_charges_one_request_only()
    {
        var key = await Http.GenerateKeyAsync(new { key_alias = "budget-fallback", token_budget = 100000 });
        using var response = await Http.CallAsync(key, "POST", "/v1/chat/completions", """{"model":"broken","messages":[{"role":"user","content":"hi"}],"max_tokens":5}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local", body["model"]!.ToString());
        var usage = (await Http.InfoAsync(key)).GetProperty("usage");
        // The upstream's reservation was given back before the local model reserved its own: nothing is left held.
        Assert.Equal(0, usage.GetProperty("reserved_tokens").GetInt64());
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());
        Assert.Equal(body["usage"]!["prompt_tokens"]!.GetValue<long>(), usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(body["usage"]!["completion_tokens"]!.GetValue<long>(), usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(body["usage"]!["total_tokens"]!.GetValue<long>(), usage.GetProperty("spend_tokens").GetInt64());
    }
}
