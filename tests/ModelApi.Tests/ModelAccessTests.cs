using System.Net;

namespace CustomGpt.ModelApi.Tests;

/// <summary>A key made with "models" may use only those: an instance serving another model refuses it on every model route.</summary>
public class ModelAccessTests
{
    [Fact]
    public async Task A_key_limited_to_other_models_gets_403_naming_them_and_is_charged_nothing()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var http = server.Http;
        var other = await http.GenerateKeyAsync(new { models = new[] { "gpt-4o", "llama-3" } });

        using var generate = await http.GenerateWithAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, generate.StatusCode);
        var problem = await generate.ProblemAsync();
        Assert.Equal(ProblemCodes.ModelNotAllowed, problem.GetProperty("code").GetString());
        Assert.Contains("may use the models 'gpt-4o', 'llama-3'; this service serves 'tiny'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        foreach (var (path, body) in new[]
        {
            ("/chat", """{"user_prompt":"hi","max_tokens":2}"""),
            ("/tokenize", """{"text":"a"}"""),
            ("/v1/completions", """{"model":"gpt-4o","prompt":"a","max_tokens":2}"""),
            ("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"a"}],"max_tokens":2}"""),
            ("/generate", """{"num_chars":3,"stream":true}"""),
        })
        {
            using var refused = await http.CallAsync(other, "POST", path, body);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
            Assert.Equal(ProblemCodes.ModelNotAllowed, await refused.CodeAsync());
        }
        // As in LiteLLM, the model list shows only what the key may use.
        using var models = await http.CallAsync(other, "GET", "/v1/models");
        Assert.Equal(0, (await models.ProblemAsync()).GetProperty("data").GetArrayLength());
        var usage = (await http.InfoAsync(other)).GetProperty("usage");
        Assert.Equal((0, 0), (usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("completion_tokens").GetInt64()));
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("all-proxy-models")]
    public async Task A_key_listing_the_served_model_or_all_models_generates(string model)
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var key = await server.Http.GenerateKeyAsync(new { models = new[] { "gpt-4o", model } });
        using var generated = await server.Http.GenerateWithAsync(key);
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        using var models = await server.Http.CallAsync(key, "GET", "/v1/models");
        Assert.Equal("tiny", (await models.ProblemAsync()).GetProperty("data")[0].GetProperty("id").GetString());
    }
}
