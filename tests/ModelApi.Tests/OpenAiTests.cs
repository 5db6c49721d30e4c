using System.ClientModel;
using System.Net;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace CustomGpt.ModelApi.Tests;

/// <summary>The /v1 surface driven by OpenAI's official .NET SDK, as a developer would.</summary>
public class OpenAiTests
{
    static ChatClient Chat(ApiServer server, string key = "unused") =>
        new("tiny", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.Http.BaseAddress!, "/v1") });

    [Fact]
    public async Task The_official_sdk_completes_a_chat_and_streams_the_same_text()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", "k3y-long-enough-to-pass")).ReadyAsync();
        var chat = Chat(server, "k3y-long-enough-to-pass");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 40, Temperature = 0 };
        ChatMessage[] messages = [new UserChatMessage("the lazy dog")];

        ChatCompletion completion = await chat.CompleteChatAsync(messages, options);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.True(completion.Usage.OutputTokenCount is > 0 and <= 40);
        Assert.True(completion.Usage.InputTokenCount > "the lazy dog".Length); // the prompt carries the chat format
        var text = completion.Content.Count > 0 ? completion.Content[0].Text : "";
        Assert.NotEmpty(text);
        // Greedy and deterministic: either the whole budget was used, or the reply ended on its own before it.
        if (completion.FinishReason == ChatFinishReason.Length) Assert.Equal(40, completion.Usage.OutputTokenCount);
        else Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);

        var streamed = "";
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate) streamed += part.Text;
            finish ??= update.FinishReason;
        }
        Assert.Equal(text, streamed);
        Assert.Equal(completion.FinishReason, finish);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_through_the_sdk()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", "k3y-long-enough-to-pass")).ReadyAsync();
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Chat(server, "nope").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, e.Status);
    }

    [Fact]
    public async Task Completions_models_and_errors_follow_the_openai_shapes()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var models = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/models"));
        Assert.Equal("tiny", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());

        using var response = await server.Http.PostJsonAsync("/v1/completions", """{"prompt":"the fox","max_tokens":12,"seed":3,"temperature":0.7,"stop":"\n"}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("text_completion", body.RootElement.GetProperty("object").GetString());
        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.DoesNotContain("\n", choice.GetProperty("text").GetString());
        // "length" exactly when all 12 tokens were generated; otherwise the stop sequence (or end of text) came first.
        var generated = body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.Equal(generated == 12 ? "length" : "stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(7, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        var same = await GenerateText(server, """{"prompt":"the fox","max_tokens":12,"seed":3,"temperature":0.7,"stop":["\n"]}""");
        Assert.Equal(choice.GetProperty("text").GetString(), same);

        using var noMessages = await server.Http.PostJsonAsync("/v1/chat/completions", """{"messages":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, noMessages.StatusCode);
        Assert.Contains("\"messages\"", await noMessages.Content.ReadAsStringAsync());

        using var stream = await server.Http.PostJsonAsync("/v1/completions", """{"prompt":"a","max_tokens":5,"stream":true,"stream_options":{"include_usage":true}}""");
        var lines = (await stream.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        Assert.Contains("\"usage\"", lines[^2]);
    }

    static async Task<string> GenerateText(ApiServer server, string openAiBody)
    {
        using var response = await server.Http.PostJsonAsync("/v1/completions", openAiBody);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task Cors_answers_preflight_for_allowed_origins_only()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: [("API_KEY", "k3y-long-enough-to-pass"), ("CORS_ORIGINS", "https://app.example")]).ReadyAsync();
        foreach (var (origin, allowed) in new[] { ("https://app.example", true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/generate");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
            using var response = await server.Http.SendAsync(preflight);
            Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
    }
}
