using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Small helpers for talking to ModelApi the way any HTTP caller would.</summary>
public static class Api
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json, CancellationToken ct = default) =>
        http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public static async Task<GenerateResponse> GenerateAsync(this HttpClient http, object request)
    {
        using var response = await http.PostAsync("/generate", JsonContent.Create(request, options: ModelApiJson.Options));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<GenerateResponse>(body, ModelApiJson.Options)!;
    }

    /// <summary>
    /// A client that leaves the way a closed browser tab does: disposing a response closes the connection. A plain
    /// HttpClient reads up to 1 MB of what is left (to reuse the connection), and the server sees nobody leave.
    /// </summary>
    public static HttpClient LeavingClient(HttpClient like) =>
        new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = like.BaseAddress, Timeout = like.Timeout };

    /// <summary>Opens a streaming generation; the caller reads events with <see cref="ReadEventsAsync"/>.</summary>
    public static async Task<HttpResponseMessage> StartStreamAsync(this HttpClient http, object request, CancellationToken ct = default)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = JsonContent.Create(request, options: ModelApiJson.Options) };
        message.Headers.Accept.ParseAdd("text/event-stream");
        return await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>The events of a text/event-stream response, read with .NET's SseParser (as the client library does).</summary>
    public static async IAsyncEnumerable<(string Event, string Data)> ReadEventsAsync(this HttpResponseMessage response)
    {
        await foreach (var e in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync()) yield return (e.EventType, e.Data);
    }

    public static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, ModelApiJson.Options)!;

    public static int CharCount(string s) => s.EnumerateRunes().Count();

    /// <summary>Polls until the condition holds; a guard against hangs, not a timing assertion.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("Timed out waiting until " + what);
    }

    /// <summary>Polls until the condition holds; a guard against hangs, not a timing assertion.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("Timed out waiting until " + what);
    }
}
