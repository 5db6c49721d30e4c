using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>
/// A stream's last item comes when the response has ended, not when its "done" event arrives: ModelApi charges the
/// key's usage after the last event and before it ends the response, so a caller that asks for its usage right after
/// a run (the Dashboard's Account panel does) sees the run in it.
/// </summary>
public class StreamEndTests
{
    [Fact]
    public async Task The_done_item_comes_after_the_server_has_ended_the_response()
    {
        var ended = new TaskCompletionSource();
        await using var api = await StubApi.StartAsync(app => app.MapPost("/generate", async (HttpContext http) =>
        {
            var done = new GenerateDone(7, "length", new Usage(3, 2), new Timings(1, 1, 1, 1));
            http.Response.ContentType = "text/event-stream";
            await http.Response.WriteAsync("event: delta\ndata: {\"text\":\"hi\"}\n\n");
            await http.Response.WriteAsync($"event: done\ndata: {JsonSerializer.Serialize(done, ModelApiJson.Options)}\n\n");
            await http.Response.Body.FlushAsync();
            // The usage is charged here, after the last event has been sent (the client already has it).
            await Task.Delay(300);
            ended.SetResult();
        }));
        var client = Clients.For(new Uri(api.Urls.First()));

        var (text, last) = await Clients.ReadAllAsync(client.GenerateStreamAsync(Clients.Request(1, 5)));
        var endedWhenDone = ended.Task.IsCompleted;

        Assert.Equal("hi", text);
        Assert.Equal(7, Assert.IsType<GenerateStreamItem.Done>(last).Stats.Seed);
        Assert.True(endedWhenDone, "the done item came before the server had ended its response");
    }
}
