using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CustomGpt.ModelApi.Tests.Upstreams;

/// <summary>
/// An OpenAI-compatible endpoint on loopback that answers the way the test says (<see cref="Answer"/>): well, with a
/// status, by hanging, by breaking its stream half way, without usage. It records what it was sent.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    readonly WebApplication app;

    public FakeUpstream(Func<HttpContext, JsonObject, Task> answer)
    {
        Answer = answer;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/v1/{**route}", async (HttpContext http) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
            Received.Enqueue(new Sent(http.Request.Path, http.Request.Headers.Authorization.ToString(), body));
            ReceivedOne.TrySetResult();
            await Answer(http, body);
        });
        app.StartAsync().GetAwaiter().GetResult();
        var address = app.Urls.First(); // the port Kestrel bound for :0
        ApiBase = new Uri(address.TrimEnd('/') + "/v1");
    }

    /// <summary>http://127.0.0.1:PORT/v1</summary>
    public Uri ApiBase { get; }

    /// <summary>How the deployment's Id reads (host:port/path).</summary>
    public string Id => $"127.0.0.1:{ApiBase.Port}/v1";

    public Func<HttpContext, JsonObject, Task> Answer { get; set; }

    public ConcurrentQueue<Sent> Received { get; } = new();

    /// <summary>Completes when the first request arrived.</summary>
    public TaskCompletionSource ReceivedOne { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask DisposeAsync() => app.DisposeAsync();

    public sealed record Sent(string Path, string Authorization, JsonObject Body);
}

/// <summary>Ways an upstream answers.</summary>
public static class Answers
{
    public static Func<HttpContext, JsonObject, Task> Ok(string text, bool usage = true) => (http, body) =>
    {
        var chat = http.Request.Path.Value!.EndsWith("/chat/completions", StringComparison.Ordinal);
        var answer = new JsonObject
        {
            ["id"] = "x-1", ["object"] = chat ? "chat.completion" : "text_completion", ["created"] = 1, ["model"] = body["model"]!.ToString(),
            ["choices"] = new JsonArray(chat
                ? new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = "stop" }
                : new JsonObject { ["index"] = 0, ["text"] = text, ["finish_reason"] = "stop" }),
        };
        if (usage) answer["usage"] = new JsonObject { ["prompt_tokens"] = 11, ["completion_tokens"] = 7, ["total_tokens"] = 18 };
        return Results.Json(answer).ExecuteAsync(http);
    };

    public static Func<HttpContext, JsonObject, Task> Status(int status, string message) => (http, _) =>
        Results.Json(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "test" } }, statusCode: status).ExecuteAsync(http);

    /// <summary>Never answers (until the caller leaves).</summary>
    public static Func<HttpContext, JsonObject, Task> Hang => (http, _) => Task.Delay(Timeout.Infinite, http.RequestAborted);

    /// <summary>A chat stream of <paramref name="pieces"/>, each flushed; with usage in a last chunk when asked for and
    /// <paramref name="usage"/>; or cut off (the connection aborted) after <paramref name="breakAfter"/> pieces, once
    /// <paramref name="breakWhen"/> completes (the test has read what came before: an abort may drop unread data).</summary>
    public static Func<HttpContext, JsonObject, Task> Stream(string[] pieces, bool usage = true, int? breakAfter = null, Task? breakWhen = null) => async (http, body) =>
    {
        http.Response.ContentType = "text/event-stream";
        var model = body["model"]!.ToString();
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i == breakAfter)
            {
                if (breakWhen is not null) await breakWhen;
                http.Abort();
                return;
            }
            var chunk = new JsonObject
            {
                ["id"] = "x-1", ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = pieces[i] }, ["finish_reason"] = i == pieces.Length - 1 ? "stop" : null }),
            };
            await http.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n");
            await http.Response.Body.FlushAsync();
        }
        if (usage && body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            var last = new JsonObject { ["id"] = "x-1", ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model, ["choices"] = new JsonArray(),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["completion_tokens"] = pieces.Length, ["total_tokens"] = 5 + pieces.Length } };
            await http.Response.WriteAsync($"data: {last.ToJsonString()}\n\n");
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
    };
}
