using System.Net;
using System.Text;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

public class BadInputTests(TinyServer fixture) : IClassFixture<TinyServer>
{
    readonly HttpClient http = fixture.Server.Http;

    public static TheoryData<string, string> Invalid => new()
    {
        { "{bad json", "body" },
        { "[1, 2]", "body" },
        { "null", "body" },
        { """{"temperature":"hot"}""", "temperature" },
        { """{"temperature":-0.5}""", "temperature" },
        { """{"temperature":1e999}""", "temperature" },
        { """{"temperature":11}""", "temperature" },
        { """{"num_chars":0}""", "num_chars" },
        { """{"num_chars":100000}""", "num_chars" },
        { """{"num_chars":1.5}""", "num_chars" },
        { """{"num_chars":"10"}""", "num_chars" },
        { """{"seed":-1}""", "seed" },
        { """{"seed":4294967295}""", "seed" },
        { """{"top_p":0}""", "top_p" },
        { """{"top_p":1.5}""", "top_p" },
        { """{"top_k":-1}""", "top_k" },
        { """{"min_p":2}""", "min_p" },
        { """{"repeat_penalty":0}""", "repeat_penalty" },
        { """{"max_tokens":0}""", "max_tokens" },
        { """{"max_tokens":100000}""", "max_tokens" },
        { """{"stop":"x"}""", "stop" },
        { """{"stop":[""]}""", "stop" },
        { """{"stream":"yes"}""", "stream" },
        { """{"prompt":42}""", "prompt" },
        // Valid as doubles, broken as the floats llama.cpp gets: 0 or a NaN-producing divisor.
        { """{"top_p":1e-50}""", "top_p" },
        { """{"repeat_penalty":1e-50}""", "repeat_penalty" },
        { """{"temperature":1e-39}""", "temperature" },
    };

    [Theory]
    [InlineData("""{"messages":[null]}""", "messages[0]")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},null]}""", "messages[1]")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "messages[0]")]
    public async Task Null_chat_messages_get_a_400_naming_the_element(string body, string field)
    {
        using var response = await http.PostJsonAsync("/v1/chat/completions", body);
        await AssertProblem(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("""{"conversation_history":[]}""", "user_prompt")]
    [InlineData("""{"user_prompt":""}""", "user_prompt")]
    [InlineData("""{"user_prompt":"hi","conversation_history":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]}""", "conversation_history[1].role")]
    [InlineData("""{"user_prompt":"hi","conversation_history":[null]}""", "conversation_history[0]")]
    [InlineData("""{"user_prompt":"hi","temperature":-1}""", "temperature")]
    [InlineData("""{"user_prompt":"hi","max_tokens":100000}""", "max_tokens")]
    [InlineData("""{"user_prompt":"hi","stream":"yes"}""", "stream")]
    public async Task Bad_chat_input_gets_a_400_naming_the_field(string body, string field)
    {
        using var response = await http.PostJsonAsync("/chat", body);
        await AssertProblem(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_chat_history_longer_than_the_context_is_refused_naming_it()
    {
        var turn = """{"role":"user","content":"the quick brown fox jumps"},""";
        var body = """{"user_prompt":"hi","conversation_history":[""" + string.Concat(Enumerable.Repeat(turn, 20)).TrimEnd(',') + "]}";
        using var response = await http.PostJsonAsync("/chat", body);
        await AssertProblem(response, HttpStatusCode.BadRequest, "conversation_history");
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Bad_fields_get_a_400_problem_naming_the_field(string body, string field)
    {
        using var response = await http.PostJsonAsync("/generate", body);
        await AssertProblem(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_prompt_beyond_the_context_is_refused_with_the_limit()
    {
        // The output may outgrow the context (the window moves on), the prompt may not.
        var longPrompt = JsonSerializer.Serialize(new { prompt = new string('a', 600), num_chars = 10 });
        var problem = await AssertProblem(await http.PostJsonAsync("/generate", longPrompt), HttpStatusCode.BadRequest, "prompt");
        Assert.Contains("512", problem);
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_415()
    {
        using var response = await http.PostAsync("/generate", new StringContent("seed=1", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, field: null);
    }

    [Fact]
    public async Task Tokenize_requires_text()
    {
        await AssertProblem(await http.PostJsonAsync("/tokenize", "{}"), HttpStatusCode.BadRequest, "text");
        await AssertProblem(await http.PostJsonAsync("/tokenize", """{"text":5}"""), HttpStatusCode.BadRequest, "text");
    }

    [Fact]
    public async Task The_service_keeps_serving_after_bad_input()
    {
        foreach (var row in Invalid) (await http.PostJsonAsync("/generate", (string)row[0])).Dispose();
        var r = await http.GenerateAsync(new { seed = 1, num_chars = 10, ignore_eos = true });
        Assert.Equal(10, Api.CharCount(r.GeneratedText));
    }

    internal static async Task<string> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(body);
            Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
            if (field is not null)
            {
                var errors = json.RootElement.GetProperty("errors");
                Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {body}");
                Assert.NotEmpty(messages[0].GetString()!);
            }
            else
            {
                Assert.Contains("Content-Type", body);
            }
            return body;
        }
    }
}
