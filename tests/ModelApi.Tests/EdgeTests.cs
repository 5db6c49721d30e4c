using System.Net;
using System.Text;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Bad input stopped at the edge, before it costs anything: large bodies, huge prompts, unknown chat roles; and request ids.</summary>
public class EdgeTests
{
    [Fact]
    public async Task A_body_over_MAX_BODY_BYTES_gets_a_413_problem_with_or_without_a_length()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("MAX_BODY_BYTES", "4096")).ReadyAsync();
        var big = $$"""{"prompt":"{{new string('a', 10_000)}}"}""";
        using var withLength = await server.Http.PostJsonAsync("/generate", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withLength.StatusCode);
        Assert.Equal(ProblemCodes.BodyTooLarge, await withLength.CodeAsync());

        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var withoutLength = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withoutLength.StatusCode);
        Assert.Equal(ProblemCodes.BodyTooLarge, await withoutLength.CodeAsync());

        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostJsonAsync("/generate", """{"num_chars":2}""")).StatusCode);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_could_hold_is_refused_from_its_length()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var response = await server.Http.PostJsonAsync("/generate", $$"""{"prompt":"{{new string('a', 400_000)}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await response.ProblemAsync()).GetProperty("errors").GetProperty("prompt")[0].GetString();
        Assert.Contains("400000 characters", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_roles_other_than_system_user_assistant_tool_get_400_naming_the_field()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var response = await server.Http.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":"hi"},{"role":"wizard","content":"x"}],"max_tokens":2}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("messages[1].role", out _));
        foreach (var role in new[] { "system", "user", "assistant", "tool" })
        {
            using var ok = await server.Http.PostJsonAsync("/v1/chat/completions", $$"""{"messages":[{"role":"{{role}}","content":"hi"}],"max_tokens":2}""");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task Request_ids_are_taken_from_the_caller_or_made_and_always_returned()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var given = new HttpRequestMessage(HttpMethod.Get, "/health");
        given.Headers.Add("X-Request-Id", "abc-123");
        Assert.Equal("abc-123", (await server.Http.SendAsync(given)).Header("X-Request-Id"));
        using var made = await server.Http.PostJsonAsync("/generate", "{bad");
        Assert.Matches("^[0-9a-f]{32}$", made.Header("X-Request-Id"));
    }
}
