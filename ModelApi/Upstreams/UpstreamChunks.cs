using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// The chunks of a streamed upstream answer as they arrive (parsed with .NET's SseParser), up to OpenAI's "[DONE]",
/// gathering its usage (the last chunk when include_usage was asked) and its text (for an estimate when no usage
/// comes). A gap longer than the deployment's timeout between chunks, a broken connection or a chunk that is not JSON
/// ends the enumeration with <see cref="UpstreamStreamBrokeException"/>: the relay then ends its stream with an error event.
/// </summary>
public sealed class UpstreamChunks(UpstreamCall call, TimeProvider time)
{
    readonly StringBuilder text = new();

    public UpstreamUsage? Usage { get; private set; }

    /// <summary>What the chunks said so far.</summary>
    public string Text => text.ToString();

    public async IAsyncEnumerable<JsonObject> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var deployment = call.Deployment!;
        using var idle = new CancellationTokenSource(deployment.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, idle.Token);
        IAsyncEnumerator<SseItem<string>> items;
        try
        {
            var body = await call.Response!.Content.ReadAsStreamAsync(linked.Token);
            items = SseParser.Create(body).EnumerateAsync(linked.Token).GetAsyncEnumerator(linked.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Broke(e, idle);
        }
        await using var _ = items;
        while (true)
        {
            JsonObject? chunk;
            try
            {
                if (!await items.MoveNextAsync()) yield break; // ended without [DONE]: what came is all there is
                idle.CancelAfter(deployment.Timeout);
                var data = items.Current.Data;
                if (data == "[DONE]") yield break;
                if (items.Current.EventType == "error")
                    throw new UpstreamStreamBrokeException($"the upstream sent an error: {UpstreamFailures.Redact(data, deployment)}");
                chunk = JsonNode.Parse(data) as JsonObject;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException or JsonException)
            {
                throw Broke(e, idle);
            }
            if (chunk is null) continue;
            if (UpstreamUsage.From(chunk["usage"]) is { } usage) Usage = usage;
            text.Append(UpstreamUsage.AnswerText(chunk));
            yield return chunk;
        }
    }

    UpstreamStreamBrokeException Broke(Exception e, CancellationTokenSource idle) => new(e switch
    {
        OperationCanceledException when idle.IsCancellationRequested => $"no chunk within {call.Deployment!.Timeout.TotalSeconds:0.###} s",
        JsonException => "a chunk was not JSON",
        _ => "the connection broke",
    });
}

/// <summary>A streamed answer that could not go on after it started.</summary>
public sealed class UpstreamStreamBrokeException(string reason) : Exception(reason);
