using System.Text.Json;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Apis;

/// <summary>One Server-Sent Event: an optional event name and a JSON payload (or raw text such as "[DONE]").</summary>
readonly record struct ServerSentEvent(string? Name, object Data);

/// <summary>
/// Streams a generation as Server-Sent Events: one event per piece of text, then the closing events.
/// Each route supplies its own shapes (ours: named delta/done/error events; OpenAI's: data-only chunks).
/// </summary>
sealed class EventStream(
    GenerationJob job,
    Func<string, ServerSentEvent> delta,
    Func<GenerationResult, IEnumerable<ServerSentEvent>> done,
    Func<Exception, ServerSentEvent> error,
    JsonSerializerOptions? json = null) : IResult
{
    readonly JsonSerializerOptions options = json ?? ModelApiJson.Options;
    /// <summary>
    /// After a flush, text gathers this long before the next one (the first piece goes out at once). A flush
    /// per token wakes a thread and writes to the socket 20–50 times a second, and on a small machine every
    /// wake-up takes a core from llama.cpp's threads: streamed generation ran 3–8 % slower than JSON, with
    /// dips of 15 %. Batched, streamed runs within about 1 % of JSON ones (docs/performance.md); 100 ms is
    /// still ten updates a second for a reader.
    /// </summary>
    static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    public async Task ExecuteAsync(HttpContext http)
    {
        using var span = Telemetry.ModelApiTelemetry.Source.StartActivity("stream write");
        var response = http.Response;
        var ct = http.RequestAborted;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
        await response.Body.FlushAsync(ct);
        try
        {
            while (await job.Deltas.WaitToReadAsync(ct))
            {
                // Everything already produced goes out in one flush: fewer syscalls when the client lags.
                while (job.Deltas.TryRead(out var text)) await Write(response, delta(text), ct);
                await response.Body.FlushAsync(ct);
                await Task.WhenAny(Task.Delay(FlushInterval, ct), job.Completion); // the end goes out at once
                ct.ThrowIfCancellationRequested();
            }
            foreach (var e in done(await job.Completion)) await Write(response, e, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the client left; the scheduler frees the sequence at its next step
        }
        catch (Exception e)
        {
            await Write(response, error(e), ct);
        }
        await response.Body.FlushAsync(ct);
    }

    Task Write(HttpResponse response, ServerSentEvent e, CancellationToken ct)
    {
        var data = e.Data as string ?? JsonSerializer.Serialize(e.Data, options);
        return response.WriteAsync(e.Name is null ? $"data: {data}\n\n" : $"event: {e.Name}\ndata: {data}\n\n", ct);
    }
}
