using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>The stream is read as it is written, and Stop frees the server's sequence at once.</summary>
public partial class StreamingTests(SingleSequenceApi fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SingleSequenceApi>
{
    readonly ModelApiClient client = Clients.For(fixture.Api.Address);

    static GenerateRequest Long => Clients.Request(seed: 5, numChars: 8192);

    [Fact]
    public async Task The_first_piece_arrives_while_the_server_is_still_generating()
    {
        await fixture.Api.IdleAsync();
        using var cts = new CancellationTokenSource();
        await using var stream = client.GenerateStreamAsync(Long, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await stream.MoveNextAsync());

        Assert.IsType<GenerateStreamItem.Delta>(stream.Current);
        // Not buffered: the text is here while its generation is still running on the server.
        Assert.Equal(1, await fixture.Api.MetricAsync("customgpt_requests_active"));
        await cts.CancelAsync();
        await fixture.Api.IdleAsync();
    }

    /// <summary>
    /// Issue 19 item 13: a cancelled response used to be drained (read on for up to 2 s so the connection could be
    /// reused), so the server kept generating for 2 s after Stop. Measured on the server's side: its access log says
    /// how long it served the request, and the request cannot have started after its first piece reached the client,
    /// so (server time) - (client time from first piece to cancel) bounds the cancel's way to the server from above.
    /// </summary>
    [Fact]
    public async Task Cancelling_a_stream_reaches_the_server_within_500_ms()
    {
        await fixture.Api.IdleAsync();
        // Warm (code compiled, prompt cached): the bound below also holds the time to the first piece, keep it small.
        Assert.True((await client.GenerateAsync(Long with { NumChars = 5 })).Succeeded);
        var cancelledLogLines = CancelledGenerations().Count;
        using var cts = new CancellationTokenSource();
        var deltas = 0;
        var sinceFirst = new Stopwatch();
        var untilCancel = TimeSpan.Zero;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in client.GenerateStreamAsync(Long, cts.Token))
            {
                Assert.IsType<GenerateStreamItem.Delta>(item);
                if (++deltas == 1) sinceFirst.Start();
                if (deltas < 3) continue;
                untilCancel = sinceFirst.Elapsed;
                await cts.CancelAsync(); // the caller is not reading now: the connection must close anyway
            }
        });
        List<TimeSpan> served;
        for (var i = 0; (served = CancelledGenerations()).Count == cancelledLogLines && i < 600; i++) await Task.Delay(50); // a hang guard

        Assert.True(served.Count == cancelledLogLines + 1, "No generation cut short in the access log; it ends with:\n" +
            string.Join('\n', fixture.Api.Output.Split('\n').TakeLast(8)));
        var serverLatency = served[^1];
        var reachedServerWithin = serverLatency - untilCancel;
        output.WriteLine($"served {serverLatency.TotalMilliseconds:F1} ms; cancel reached the server within {reachedServerWithin.TotalMilliseconds:F1} ms");
        Assert.True(reachedServerWithin < TimeSpan.FromMilliseconds(500),
            $"The server served the cancelled stream for {serverLatency.TotalMilliseconds:F0} ms, {reachedServerWithin.TotalMilliseconds:F0} ms after the cancel at most.");
        await fixture.Api.IdleAsync();
    }

    /// <summary>The latency of each POST /generate in ModelApi's access log that ended before its generation did, oldest
    /// first. The line says "cancelled", or "error" when the response ended before the scheduler had finished cancelling
    /// the job (the access log reads the job's state at that moment).</summary>
    List<TimeSpan> CancelledGenerations() => [.. fixture.Api.Output.Split('\n')
        .Select(line => AccessLogLine().Match(line))
        .Where(m => m.Success)
        .Select(m => TimeSpan.FromMilliseconds(double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"POST /generate \d+ (?<ms>[0-9.]+) ms .*finish=(cancelled|error)")]
    private static partial Regex AccessLogLine();
}
