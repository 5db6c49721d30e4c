namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>One sequence and no queue, with a model whose context lets a generation run long.</summary>
public sealed class SingleSequenceApi : IAsyncLifetime
{
    public ModelApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Api = await new ModelApiProcess(TestModels.LongContext, ("CONTEXT_SIZE", "16384"), ("PARALLEL", "1"), ("MAX_QUEUE", "0")).ReadyAsync();

    public Task DisposeAsync()
    {
        Api.Dispose();
        return Task.CompletedTask;
    }
}

public class BusyAndCancelTests(SingleSequenceApi fixture) : IClassFixture<SingleSequenceApi>
{
    readonly ModelApiClient client = Clients.For(fixture.Api.Address);

    static GenerateRequest Long => Clients.Request(seed: 3, numChars: 8192);

    [Fact]
    public async Task While_the_only_sequence_generates_another_request_is_busy_with_retry_after()
    {
        await fixture.Api.IdleAsync();
        using var cts = new CancellationTokenSource();
        await using var running = client.GenerateStreamAsync(Long, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await running.MoveNextAsync());
        Assert.IsType<GenerateStreamItem.Delta>(running.Current); // the long run holds the sequence now

        var second = await client.GenerateAsync(Clients.Request(seed: 4, numChars: 10));
        var (_, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(seed: 4, numChars: 10)));

        Assert.False(second.Succeeded);
        Assert.Equal(ApiFailureKind.Busy, second.Failure.Kind);
        Assert.Equal(503, second.Failure.StatusCode);
        Assert.NotNull(second.Failure.RetryAfter);
        Assert.True(second.Failure.RetryAfter > TimeSpan.Zero);
        Assert.Contains("busy", second.Failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ApiFailureKind.Busy, Assert.IsType<GenerateStreamItem.Failed>(last).Failure.Kind);
        await cts.CancelAsync();
        await fixture.Api.IdleAsync();
    }

    [Fact]
    public async Task Cancelling_a_stream_throws_to_the_caller_and_stops_the_generation_on_the_server()
    {
        await fixture.Api.IdleAsync();
        var cancelledBefore = await fixture.Api.RequestsAsync("cancelled");
        using var cts = new CancellationTokenSource();
        var deltas = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in client.GenerateStreamAsync(Long, cts.Token))
            {
                Assert.IsType<GenerateStreamItem.Delta>(item);
                if (++deltas == 1) await cts.CancelAsync();
            }
        });

        Assert.Equal(1, deltas);
        for (var i = 0; i < 600 && await fixture.Api.RequestsAsync("cancelled") == cancelledBefore; i++) await Task.Delay(50);
        Assert.Equal(cancelledBefore + 1, await fixture.Api.RequestsAsync("cancelled"));
        // The sequence is free again: a new request is served, not busy.
        Assert.True((await client.GenerateAsync(Clients.Request(seed: 9, numChars: 20))).Succeeded);
    }
}
