using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Upstreams;

namespace CustomGpt.ModelApi.Tests.Upstreams;

/// <summary>
/// Forwarding to upstreams that fail each way, on loopback: each failure ends as docs/upstreams.md says, and the
/// deployments' keys appear in no response and no log line.
/// </summary>
public class UpstreamFailureTests
{
    const string KeyA = "sk-upstream-a-0123456789secret";
    const string KeyB = "sk-upstream-b-9876543210secret";
    const string Chat = """{"model":"m","messages":[{"role":"user","content":"say something"}],"max_tokens":8}""";

    [Fact]
    public async Task A_500_is_retried_on_the_next_deployment_which_answers()
    {
        await using var a = new FakeUpstream(Answers.Status(500, "boom"));
        await using var b = new FakeUpstream(Answers.Ok("from b"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA), UpstreamHost.Deployment("m", b, KeyB)], UpstreamHost.Router());

        // Whichever is picked first, every request is answered by b; a fails at most once per request.
        for (var i = 0; i < 4; i++)
        {
            using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = JsonNode.Parse(body)!;
            Assert.Equal("from b", answer["choices"]![0]!["message"]!["content"]!.ToString());
            Assert.Equal("m", answer["model"]!.ToString());
            Assert.Equal(7, answer["usage"]!["completion_tokens"]!.GetValue<int>());
            Assert.False(response.Headers.Contains(OpenAiRelay.EstimatedHeader));
            AssertNoKey(body);
        }
        Assert.Equal(4, b.Received.Count);
        Assert.NotEmpty(a.Received);
        Assert.All(a.Received, r => Assert.Equal("Bearer " + KeyA, r.Authorization));
        Assert.All(b.Received, r => Assert.Equal("Bearer " + KeyB, r.Authorization));
        Assert.All(b.Received, r => Assert.Equal("upstream-m", r.Body["model"]!.ToString()));
        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Equal(a.Received.Count, Metrics.Value(metrics, $"customgpt_upstream_retries_total{{deployment=\"{a.Id}\",model=\"m\"}}"));
        Assert.Equal(4, Metrics.Value(metrics, $"customgpt_upstream_attempts_total{{deployment=\"{b.Id}\",model=\"m\",outcome=\"ok\"}}"));
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task When_every_deployment_fails_the_answer_is_502_naming_the_model_and_never_a_key()
    {
        // The upstream quotes the key it was sent, as some providers do: it must go no further.
        await using var a = new FakeUpstream(Answers.Status(500, $"internal error for key {KeyA}"));
        await using var b = new FakeUpstream(Answers.Status(503, $"overloaded, key {KeyB}"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA), UpstreamHost.Deployment("m", b, KeyB)], UpstreamHost.Router(numRetries: 2));

        using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(ProblemCodes.UpstreamFailed, problem["code"]!.ToString());
        Assert.Contains("'m'", problem["detail"]!.ToString());
        Assert.Contains("3 attempts", problem["detail"]!.ToString());
        Assert.Equal(3, a.Received.Count + b.Received.Count); // the first try and num_retries more
        Assert.NotEmpty(a.Received);
        Assert.NotEmpty(b.Received);
        AssertNoKey(body);
        Assert.Contains(host.Logs.Lines, l => l.Contains("Upstream " + a.Id, StringComparison.Ordinal) || l.Contains("Upstream " + b.Id, StringComparison.Ordinal));
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task A_429_moves_to_the_next_deployment_and_is_passed_on_when_every_one_refuses()
    {
        await using var a = new FakeUpstream(Answers.Status(429, "slow down"));
        await using var b = new FakeUpstream(Answers.Ok("from b"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA), UpstreamHost.Deployment("m", b, KeyB)], UpstreamHost.Router(numRetries: 1));

        using (var ok = await host.Http.PostJsonAsync("/v1/chat/completions", Chat)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        b.Answer = Answers.Status(429, "slow down too");
        using var refused = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(ProblemCodes.UpstreamError, problem["code"]!.ToString());
        Assert.Contains("slow down", problem["detail"]!.ToString());
        AssertNoKey(body);
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task A_4xx_is_passed_on_with_the_upstreams_message_and_its_status_without_a_retry()
    {
        await using var a = new FakeUpstream(Answers.Status(400, "temperature must be at most 2"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA)], UpstreamHost.Router(numRetries: 2));

        using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemCodes.UpstreamError, problem["code"]!.ToString());
        Assert.Contains("temperature must be at most 2", problem["detail"]!.ToString());
        Assert.Single(a.Received);

        a.Answer = Answers.Status(401, $"Incorrect API key provided: {KeyA}.");
        using var unauthorized = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        var body = await unauthorized.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Contains("Incorrect API key provided: ***", body);
        AssertNoKey(body);
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task An_upstream_that_hangs_past_its_timeout_is_a_504()
    {
        await using var a = new FakeUpstream(Answers.Hang);
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA, timeout: TimeSpan.FromSeconds(20))], UpstreamHost.Router(numRetries: 0));

        var pending = host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        await a.ReceivedOne.Task.WaitAsync(TimeSpan.FromMinutes(1));
        host.Clock.Advance(TimeSpan.FromSeconds(21));
        using var response = await pending.WaitAsync(TimeSpan.FromMinutes(1));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(ProblemCodes.UpstreamTimeout, problem["code"]!.ToString());
        Assert.Contains("'m'", problem["detail"]!.ToString());
        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Equal(1, Metrics.Value(metrics, $"customgpt_upstream_attempts_total{{deployment=\"{a.Id}\",model=\"m\",outcome=\"timeout\"}}"));
        AssertNoKey(body);
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task A_stream_that_breaks_half_way_ends_with_an_error_event_and_is_not_retried()
    {
        var twoRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = new FakeUpstream(Answers.Stream(["one ", "two ", "three ", "four"], breakAfter: 2, breakWhen: twoRead.Task));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA)], UpstreamHost.Router(numRetries: 2));

        var events = await StreamAsync(host, """{"model":"m","messages":[{"role":"user","content":"count"}],"stream":true}""",
            item => { if (item.EventType == "message") twoRead.TrySetResult(); }, afterMessages: 2);
        Assert.Equal(["one ", "two "], events.Where(e => e.EventType == "message").Select(e => JsonNode.Parse(e.Data)!["choices"]![0]!["delta"]!["content"]!.ToString()));
        var last = events[^1];
        Assert.Equal("error", last.EventType);
        Assert.Equal(ProblemCodes.UpstreamFailed, JsonNode.Parse(last.Data)!["error"]!["code"]!.ToString());
        Assert.Contains("'m'", JsonNode.Parse(last.Data)!["error"]!["message"]!.ToString());
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        Assert.Single(a.Received); // no retry once chunks went out
        AssertNoKey(string.Join("\n", events.Select(e => e.Data)));
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task A_stream_is_relayed_chunk_by_chunk_with_the_upstreams_usage_only_when_asked_for()
    {
        await using var a = new FakeUpstream(Answers.Stream(["one ", "two"]));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA)], UpstreamHost.Router());

        var withUsage = await StreamAsync(host, """{"model":"m","messages":[{"role":"user","content":"count"}],"stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal("[DONE]", withUsage[^1].Data);
        var usage = JsonNode.Parse(withUsage[^2].Data)!["usage"]!;
        Assert.Equal(2, usage["completion_tokens"]!.GetValue<int>());
        Assert.Null(usage["estimated"]);

        // Asked of the upstream either way (for the key's usage), passed on only when the caller asked.
        var without = await StreamAsync(host, """{"model":"m","messages":[{"role":"user","content":"count"}],"stream":true}""");
        Assert.Equal("[DONE]", without[^1].Data);
        Assert.DoesNotContain(without, e => e.Data.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal(3, without.Count);
        Assert.All(a.Received, r => Assert.True(r.Body["stream_options"]!["include_usage"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task An_answer_without_usage_is_estimated_and_says_so()
    {
        var text = "twelve chars"; // 12 characters: 3 tokens at four characters a token
        await using var a = new FakeUpstream(Answers.Ok(text, usage: false));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA)], UpstreamHost.Router());

        using var response = await host.Http.PostJsonAsync("/v1/completions", """{"model":"m","prompt":"abcdefgh"}""");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues(OpenAiRelay.EstimatedHeader).Single());
        Assert.True(answer["usage"]!["estimated"]!.GetValue<bool>());
        Assert.Equal(3, answer["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(2, answer["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.EndsWith("/v1/completions", a.Received.Single().Path);

        a.Answer = Answers.Stream(["abcd", "efgh"], usage: false);
        var events = await StreamAsync(host, """{"model":"m","messages":[{"role":"user","content":"count"}],"stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal("[DONE]", events[^1].Data);
        var usage = JsonNode.Parse(events[^2].Data)!["usage"]!;
        Assert.True(usage["estimated"]!.GetValue<bool>());
        Assert.Equal(2, usage["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_deployment_that_keeps_failing_cools_down_until_the_clock_passes_its_cooldown()
    {
        await using var a = new FakeUpstream(Answers.Status(500, "down"));
        await using var b = new FakeUpstream(Answers.Ok("from b"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA), UpstreamHost.Deployment("m", b, KeyB)],
            UpstreamHost.Router(numRetries: 1, allowedFails: 1, cooldownSeconds: 30));

        // allowed_fails 1: the second failure within the minute takes a out of rotation.
        for (var i = 0; i < 20 && a.Received.Count < 2; i++)
        {
            using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(2, a.Received.Count);
        var health = await Deployments(host);
        Assert.Equal(HealthStatus.Cooldown, health[a.Id]!["status"]!.ToString());
        Assert.Equal(host.Clock.GetUtcNow().AddSeconds(30), health[a.Id]!["cooldown_until"]!.GetValue<DateTimeOffset>());
        Assert.Equal(HealthStatus.Ok, health[b.Id]!["status"]!.ToString());

        for (var i = 0; i < 4; i++)
        {
            using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(2, a.Received.Count); // out of rotation: not called

        host.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HealthStatus.Ok, (await Deployments(host))[a.Id]!["status"]!.ToString());
        a.Answer = Answers.Ok("from a");
        for (var i = 0; i < 20 && a.Received.Count < 3; i++)
        {
            using var response = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(3, a.Received.Count); // back in rotation
        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Equal(1, Metrics.Value(metrics, $"customgpt_upstream_cooldowns_total{{deployment=\"{a.Id}\",model=\"m\"}}"));
        AssertNoKey(host.Logs.Lines.ToArray());
    }

    [Fact]
    public async Task Fallbacks_answer_when_every_deployment_of_the_model_fails()
    {
        await using var a = new FakeUpstream(Answers.Status(502, "bad gateway"));
        await using var b = new FakeUpstream(Answers.Ok("from the fallback"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("flaky", a, KeyA), UpstreamHost.Deployment("steady", b, KeyB)],
            UpstreamHost.Router(numRetries: 1, fallbacks: ("flaky", ["steady"])));

        using var response = await host.Http.PostJsonAsync("/v1/chat/completions", """{"model":"flaky","messages":[{"role":"user","content":"hi"}]}""");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from the fallback", answer["choices"]![0]!["message"]!["content"]!.ToString());
        Assert.Equal("steady", answer["model"]!.ToString());
        Assert.Equal(2, a.Received.Count);
        Assert.Equal("upstream-steady", b.Received.Single().Body["model"]!.ToString());
    }

    [Fact]
    public async Task A_deployment_at_its_rpm_is_not_called_again_this_minute()
    {
        await using var a = new FakeUpstream(Answers.Ok("from a"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA, rpm: 2)], UpstreamHost.Router());
        for (var i = 0; i < 2; i++)
        {
            using var ok = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using var refused = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]!.ToString());
        Assert.Equal(2, a.Received.Count);

        host.Clock.Advance(TimeSpan.FromMinutes(1));
        using var next = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task A_deployment_whose_minutes_tokens_are_used_is_skipped_and_none_left_is_429()
    {
        // Each answer reports 18 tokens: one answer uses a tpm of 10 up for the minute.
        await using var a = new FakeUpstream(Answers.Ok("from a"));
        await using var b = new FakeUpstream(Answers.Ok("from b"));
        await using var host = new UpstreamHost([UpstreamHost.Deployment("m", a, KeyA, tpm: 10), UpstreamHost.Deployment("m", b, KeyB, tpm: 10)], UpstreamHost.Router());
        for (var i = 0; i < 2; i++)
        {
            using var ok = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Assert.Single(a.Received);
        Assert.Single(b.Received);
        using var refused = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(ProblemCodes.RateLimited, JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]!.ToString());
        Assert.Equal(2, a.Received.Count + b.Received.Count);

        host.Clock.Advance(TimeSpan.FromMinutes(1));
        using var next = await host.Http.PostJsonAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    static void AssertNoKey(params string[] texts)
    {
        foreach (var text in texts)
        {
            Assert.DoesNotContain(KeyA, text, StringComparison.Ordinal);
            Assert.DoesNotContain(KeyB, text, StringComparison.Ordinal);
        }
    }

    static async Task<Dictionary<string, JsonNode?>> Deployments(UpstreamHost host) =>
        JsonNode.Parse(await host.Http.GetStringAsync("/deployments/m"))!.AsArray().ToDictionary(d => d!["id"]!.ToString(), d => d);

    /// <summary>The events of a streamed answer; <paramref name="seen"/> is told of each as it arrives once
    /// <paramref name="afterMessages"/> data events came (so a test can act in the middle of a stream).</summary>
    internal static async Task<List<SseItem<string>>> StreamAsync(UpstreamHost host, string body, Action<SseItem<string>>? seen = null, int afterMessages = 0)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            items.Add(item);
            if (items.Count >= afterMessages) seen?.Invoke(item);
        }
        return items;
    }
}
