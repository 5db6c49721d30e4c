using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CustomGpt.ModelApi.Tests;

/// <summary>What happens when the generation thread cannot go on: no hang behind a green /health.</summary>
public class SchedulerFaultTests
{
    [Fact]
    public void More_parallel_sequences_than_a_batch_holds_are_refused_at_start()
    {
        var e = Assert.ThrowsAny<Exception>(() => new ModelApiProcess(TestModels.Tiny, ("PARALLEL", "64"), ("BATCH_SIZE", "32")));
        Assert.Contains("PARALLEL=64 must not exceed BATCH_SIZE=32", e.Message);
    }

    [Fact]
    public async Task A_dead_scheduler_answers_every_request_turns_health_red_and_stops_the_service_with_exit_code_1()
    {
        using var api = await new ApiServer(TestModels.Tiny).ReadyAsync();
        var lifetime = api.Services.GetRequiredService<IHostApplicationLifetime>();
        var host = api.Host; // the test server disposes its services once the service stops itself
        try
        {
            host.Status.Scheduler!.BeforeStep = () => throw new InvalidOperationException("injected fault");

            using var first = await api.Http.PostJsonAsync("/generate", """{"seed":1,"num_chars":10}""");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
            Assert.Equal(ProblemCodes.ModelFailed, Code(await first.Content.ReadAsStringAsync()));
            Assert.NotNull(first.Headers.RetryAfter);

            // /health turns red before the service stops (the platform then replaces the instance).
            await Api.EventuallyAsync(() => host.Status.State == HealthStatus.Error, "/health turns red");
            await Api.EventuallyAsync(() => lifetime.ApplicationStopping.IsCancellationRequested, "the service stops itself");
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0; // the test host's own exit code
        }
    }

    [Fact]
    public async Task A_request_cancelled_while_queued_gives_its_place_back_at_once()
    {
        using var api = await new ApiServer(TestModels.LongContext, settings: [("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("MAX_QUEUE", "1")]).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Http.BaseAddress };
        using var running = await http.StartStreamAsync(new { seed = 1, max_tokens = 16000, ignore_eos = true });
        await using var events = running.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync()); // the only lane is generating

        // Clients that give up while they wait: each must leave the queue, not hold its place.
        for (var i = 0; i < 3; i++)
        {
            using var giveUp = new CancellationTokenSource();
            var waiting = http.PostJsonAsync("/generate", """{"seed":1,"num_chars":10}""", giveUp.Token);
            await Api.EventuallyAsync(() => api.Host.Status.Scheduler!.Admitted == 2, "the request is queued");
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            await Api.EventuallyAsync(() => api.Host.Status.Scheduler!.Admitted == 1, "the abandoned request left the queue");
        }

        using var next = await http.StartStreamAsync(new { seed = 1, num_chars = 10 });
        Assert.Equal(HttpStatusCode.OK, next.StatusCode); // queued, not 503 busy
    }

    static string? Code(string problem) =>
        JsonDocument.Parse(problem).RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
}
