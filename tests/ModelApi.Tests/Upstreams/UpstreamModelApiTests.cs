using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Tests.Upstreams;

/// <summary>A second, real ModelApi process (the chat test model, behind its own API_KEY) as the upstream.</summary>
public sealed class UpstreamModelApiFixture : IAsyncLifetime
{
    public const string Key = "upstream-key-long-enough-0123456789";

    public ModelApiProcess Upstream { get; private set; } = null!;

    public async Task InitializeAsync() => Upstream = await new ModelApiProcess(TestModels.Chat, ("API_KEY", Key)).ReadyAsync();

    public Task DisposeAsync()
    {
        Upstream.Dispose();
        return Task.CompletedTask;
    }

    public UpstreamDeployment Deployment(string name = "hosted") =>
        new(name, "chat", new Uri(Upstream.Address, "v1"), Key, TimeSpan.FromMinutes(2), null, null, ModelCosts.Free);

    /// <summary>The same request straight to the upstream, for comparison.</summary>
    public async Task<JsonNode> DirectAsync(string path, string body)
    {
        using var http = new HttpClient { BaseAddress = Upstream.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await http.PostJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }
}

public class UpstreamModelApiTests(UpstreamModelApiFixture fixture) : IClassFixture<UpstreamModelApiFixture>
{
    [Fact]
    public async Task A_chat_and_a_completion_come_back_as_the_upstream_gave_them_with_its_usage()
    {
        await using var host = new UpstreamHost([fixture.Deployment()], UpstreamHost.Router());
        const string chat = """{"model":"hosted","messages":[{"role":"user","content":"the lazy dog"}],"max_tokens":24,"temperature":0}""";

        var direct = await fixture.DirectAsync("/v1/chat/completions", chat.Replace("hosted", "chat"));
        using var response = await host.Http.PostJsonAsync("/v1/chat/completions", chat);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = JsonNode.Parse(body)!;
        Assert.Equal("hosted", forwarded["model"]!.ToString());
        Assert.Equal(direct["choices"]![0]!["message"]!["content"]!.ToString(), forwarded["choices"]![0]!["message"]!["content"]!.ToString());
        Assert.Equal(direct["usage"]!["prompt_tokens"]!.GetValue<int>(), forwarded["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(direct["usage"]!["completion_tokens"]!.GetValue<int>(), forwarded["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Null(forwarded["usage"]!["estimated"]);
        Assert.DoesNotContain(UpstreamModelApiFixture.Key, body);

        const string completion = """{"model":"hosted","prompt":"the quick","max_tokens":10,"temperature":0}""";
        var directText = (await fixture.DirectAsync("/v1/completions", completion.Replace("hosted", "chat")))["choices"]![0]!["text"]!.ToString();
        using var completed = await host.Http.PostJsonAsync("/v1/completions", completion);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(directText, JsonNode.Parse(await completed.Content.ReadAsStringAsync())!["choices"]![0]!["text"]!.ToString());
    }

    [Fact]
    public async Task A_streamed_chat_is_relayed_chunk_by_chunk_with_the_upstreams_usage()
    {
        await using var host = new UpstreamHost([fixture.Deployment()], UpstreamHost.Router());
        const string chat = """{"model":"hosted","messages":[{"role":"user","content":"a fox"}],"max_tokens":20,"temperature":0}""";
        var direct = await fixture.DirectAsync("/v1/chat/completions", chat.Replace("hosted", "chat"));

        var events = await UpstreamFailureTests.StreamAsync(host, chat.Replace("\"temperature\":0", "\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.All(chunks, c => Assert.Equal("hosted", c["model"]!.ToString()));
        var text = string.Concat(chunks.Select(c => c["choices"] is JsonArray { Count: > 0 } choices ? choices[0]!["delta"]?["content"]?.ToString() : null));
        Assert.Equal(direct["choices"]![0]!["message"]!["content"]!.ToString(), text);
        var usage = chunks[^1]["usage"]!;
        Assert.Equal(direct["usage"]!["prompt_tokens"]!.GetValue<int>(), usage["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(direct["usage"]!["completion_tokens"]!.GetValue<int>(), usage["completion_tokens"]!.GetValue<int>());
        Assert.Null(usage["estimated"]);
    }

    [Fact]
    public async Task A_wrong_upstream_key_is_passed_on_as_the_upstreams_401_without_the_key()
    {
        var wrong = fixture.Deployment() with { ApiKey = "not-the-upstream-key-0123456789" };
        await using var host = new UpstreamHost([wrong], UpstreamHost.Router());
        using var response = await host.Http.PostJsonAsync("/v1/chat/completions", """{"model":"hosted","messages":[{"role":"user","content":"hi"}]}""");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemCodes.UpstreamError, JsonNode.Parse(body)!["code"]!.ToString());
        Assert.DoesNotContain("not-the-upstream-key-0123456789", body);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("not-the-upstream-key-0123456789", StringComparison.Ordinal));
    }
}
