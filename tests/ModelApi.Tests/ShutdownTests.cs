
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
    public async Task After_the_grace_period_a_running_generation_is_cancelled_and_the_process_still_exits_cleanly()
    {
        using var api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("SHUTDOWN_GRACE_SECONDS", "1")).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        using var stream = await http.StartStreamAsync(new { seed = 1, max_tokens = 16000, ignore_eos = true });
        await using var reader = stream.ReadEventsAsync().GetAsyncEnumerator();
        Assert.True(await reader.MoveNextAsync());

        api.Signal("TERM");
        var sawDone = false;
        try
        {
            while (await reader.MoveNextAsync()) sawDone |= reader.Current.Event == "done";
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // the connection was aborted at the end of the grace period
        }
        Assert.False(sawDone, "16,000 tokens cannot finish within a 1 s grace period");
        Assert.Equal(0, await api.ExitCodeAsync());
    }
}
