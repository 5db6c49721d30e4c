using System.Net;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>Without MODELS_CONFIG nothing changes: the one MODEL_PATH model answers whatever "model" a client sends
/// (OpenAI clients always send one), under its own name; /health lists it as the one local model.</summary>
public class SingleModelTests
{
    [Fact]
    public async Task Any_model_name_reaches_the_one_model_and_health_lists_it()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using (var chat = await server.Http.PostJsonAsync("/v1/chat/completions", """{"model":"gpt-3.5-turbo","messages":[{"role":"user","content":"a"}],"max_tokens":2}"""))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            Assert.Equal("tiny", JsonDocument.Parse(await chat.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetString());
        }
        using (var generate = await server.Http.PostJsonAsync("/generate", """{"model":"anything","max_tokens":2}"""))
            Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
        using (var tokenize = await server.Http.PostJsonAsync("/tokenize", """{"model":"anything","text":"ab"}"""))
            Assert.Equal(HttpStatusCode.OK, tokenize.StatusCode);

        var health = Api.Parse<HealthResponse>(await server.Http.GetStringAsync("/health"));
        Assert.Equal((HealthStatus.Ok, "tiny"), (health.Status, health.Model?.Name));
        var model = Assert.Single(health.Models!);
        Assert.Equal(("tiny", ModelKinds.Local, HealthStatus.Ok), (model.Name, model.Kind, model.Status));
    }
}
