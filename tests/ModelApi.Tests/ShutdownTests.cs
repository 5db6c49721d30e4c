using System.Net;

namespace CustomGpt.ModelApi.Tests;

public class ShutdownTests
{
    [Fact]
    public async Task Sigterm_lets_a_running_generation_finish_then_the_process_exits_cleanly()
    {
        using var api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "4096"), ("PARALLEL", "1"), ("SHUTDOWN_GRACE_SECONDS", "60")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        using var stream = await http.StartStreamAsync(new { seed = 1, max_tokens = 3000, ignore_eos = true });
        var events = new List<string>();
        await using var reader = stream.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        events.Add(reader.Current.Event);

        api.Signal("TERM");
        while (await reader.MoveNextAsync()) events.Add(reader.Current.Event);

        Assert.Equal("done", events[^1]);
        Assert.Equal(0, await api.ExitCodeAsync());
    }

    [Fact]
    public async Task Before_the_grace_period_ends_a_running_stream_gets_an_error_event_and_the_process_still_exits_cleanly()
    {
        using var api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("SHUTDOWN_GRACE_SECONDS", "2")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        using var stream = await http.StartStreamAsync(new { seed = 1, max_tokens = 16000, ignore_eos = true });
        var events = new List<(string Event, string Data)>();
        await using var reader = stream.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());

        api.Signal("TERM");
        while (await reader.MoveNextAsync()) events.Add(reader.Current);

        // 16,000 tokens cannot finish in 2 s: the stream ends with a closing error, not a cut connection.
        var (name, data) = events[^1];
        Assert.Equal("error", name);
        var error = Api.Parse<GenerateError>(data);
        Assert.Equal(ProblemCodes.ShuttingDown, error.Code);
        Assert.DoesNotContain("Object name", error.Error);
        Assert.Equal(0, await api.ExitCodeAsync());
    }

    [Fact]
    public async Task Requests_still_waiting_at_sigterm_get_503_shutting_down_with_retry_after_at_once()
    {
        using var api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("SHUTDOWN_GRACE_SECONDS", "60")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        using var running = await http.StartStreamAsync(new { seed = 1, max_tokens = 16000, ignore_eos = true });
        await using var reader = running.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());
        var waiting = new[] { http.PostJsonAsync("/generate", """{"seed":1,"num_chars":10}"""), http.PostJsonAsync("/v1/completions", """{"prompt":"a","max_tokens":5}""") };
        for (var i = 0; i < 600 && await api.MetricAsync("customgpt_requests_queued") < 2; i++) await Task.Delay(50);

        api.Signal("TERM");
        foreach (var response in await Task.WhenAll(waiting))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Contains($"\"code\":\"{ProblemCodes.ShuttingDown}\"", await response.Content.ReadAsStringAsync());
            }
        }
        running.Dispose(); // the running one would have had its 60 s: end it so the process exits now
        Assert.Equal(0, await api.ExitCodeAsync());
    }
}

/// <summary>SIGTERM in the middle of a virtual key's generation: what it used is charged and its reservation given back.</summary>
public class ShutdownSettlementTests
{
    [Fact]
    public async Task Sigterm_settles_a_running_generation_of_a_key_with_a_budget()
    {
        var storage = Keys.OnSqlite();
        string key;
        using (var api = await new ModelApiProcess(TestModels.LongContext, [.. storage, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("SHUTDOWN_GRACE_SECONDS", "1")]).ReadyAsync())
        {
            using var http = api.Client();
            key = await http.GenerateKeyAsync(new { token_budget = 100_000 });
            http.DefaultRequestHeaders.Add("X-API-Key", key);
            using var stream = await http.StartStreamAsync(new { seed = 1, max_tokens = 16000, ignore_eos = true });
            await using var reader = stream.ReadEventsAsync().GetAsyncEnumerator();
            Assert.True(await reader.MoveNextAsync());
            api.Signal("TERM");
            while (await reader.MoveNextAsync()) { }
            Assert.Equal(0, await api.ExitCodeAsync());
        }
        using (var again = await new ModelApiProcess(TestModels.LongContext, storage).ReadyAsync())
        {
            using var http = again.Client();
            var usage = (await http.InfoAsync(key)).GetProperty("usage");
            Assert.Equal(0, usage.GetProperty("reserved_tokens").GetInt64());
            Assert.Equal(1, usage.GetProperty("requests").GetInt64());
            Assert.InRange(usage.GetProperty("completion_tokens").GetInt64(), 1, 15999);
        }
    }
}
