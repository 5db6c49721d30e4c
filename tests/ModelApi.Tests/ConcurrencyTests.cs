using System.Net;

namespace CustomGpt.ModelApi.Tests;

public class ConcurrencyTests
{
    static readonly object LongRun = new { seed = 1, max_tokens = 16000, ignore_eos = true };

    [Fact]
    public async Task Four_concurrent_requests_all_complete_decoded_together()
    {
        using var server = await new ApiServer(TestModels.LongContext, settings: ("PARALLEL", "4")).ReadyAsync();
        var tasks = Enumerable.Range(0, 4).Select(i => server.Http.GenerateAsync(new { seed = i, max_tokens = 400, ignore_eos = true })).ToArray();
        var results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.Equal(400, r.Usage.CompletionTokens));
        Assert.Equal(4, results.Select(r => r.GeneratedText).Distinct().Count());
        // One at a time would take 4 x 400 decode steps; sharing steps proves they ran together.
        // This server's own count: /metrics sums every server in the test process (one meter per process).
        var steps = server.Host.Status.Scheduler!.Metrics.DecodeSteps;
        Assert.True(steps < 4 * 400 * 3 / 4, $"{steps} decode steps for 4 x 400 tokens: the requests were not batched");
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_recovers()
    {
        using var server = await new ApiServer(TestModels.LongContext, settings: [("PARALLEL", "1"), ("MAX_QUEUE", "1"), ("CONTEXT_SIZE", "16384")]).ReadyAsync();
        var scheduler = server.Host.Status.Scheduler!;
        using var leaving = Api.LeavingClient(server.Http);
        using var running = await leaving.StartStreamAsync(LongRun);
        using var waiting = await leaving.StartStreamAsync(LongRun);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
        Assert.Equal(2, scheduler.Admitted);

        using var rejected = await server.Http.PostJsonAsync("/generate", """{"num_chars":5}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.NotNull(rejected.Headers.RetryAfter);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":\"busy\"", await rejected.Content.ReadAsStringAsync());

        running.Dispose();
        waiting.Dispose();
        await Api.EventuallyAsync(() => scheduler.Admitted == 0, "both streams were released");
        var after = await server.Http.GenerateAsync(new { seed = 1, num_chars = 5, ignore_eos = true });
        Assert.Equal(5, Api.CharCount(after.GeneratedText));
    }

    [Fact]
    public async Task A_client_that_leaves_stops_its_generation_and_frees_the_sequence()
    {
        using var server = await new ApiServer(TestModels.LongContext, settings: [("PARALLEL", "1"), ("MAX_QUEUE", "0"), ("CONTEXT_SIZE", "16384")]).ReadyAsync();
        var scheduler = server.Host.Status.Scheduler!;
        using var leaving = Api.LeavingClient(server.Http);
        var stream = await leaving.StartStreamAsync(LongRun);
        await using (var events = stream.ReadEventsAsync().GetAsyncEnumerator())
        {
            Assert.True(await events.MoveNextAsync());
            Assert.Equal("delta", events.Current.Event);
        }
        stream.Dispose(); // the client disconnects mid-generation

        await Api.EventuallyAsync(() => scheduler.Admitted == 0, "the cancelled request released its sequence");
        Assert.True(scheduler.Metrics.GeneratedTokens < 16000, $"{scheduler.Metrics.GeneratedTokens} tokens: generation ran on after the client left");
        Assert.Equal(1, scheduler.Metrics.CancelledRequests);

        var next = await server.Http.GenerateAsync(new { seed = 2, num_chars = 10, ignore_eos = true });
        Assert.Equal(FinishReasons.Length, next.FinishReason);
    }

    [Fact]
    public async Task A_non_streaming_request_is_cancelled_too_when_its_client_gives_up()
    {
        using var server = await new ApiServer(TestModels.LongContext, settings: [("PARALLEL", "1"), ("MAX_QUEUE", "0"), ("CONTEXT_SIZE", "16384")]).ReadyAsync();
        var scheduler = server.Host.Status.Scheduler!;
        using var cts = new CancellationTokenSource();
        var request = server.Http.PostJsonAsync("/generate", """{"seed":1,"max_tokens":16000,"ignore_eos":true}""", cts.Token);
        await Api.EventuallyAsync(() => scheduler.Metrics.GeneratedTokens > 0 || scheduler.Active > 0, "generation started");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await Api.EventuallyAsync(() => scheduler.Admitted == 0, "the cancelled request released its sequence");
        Assert.True(scheduler.Metrics.GeneratedTokens < 16000);
    }
}
