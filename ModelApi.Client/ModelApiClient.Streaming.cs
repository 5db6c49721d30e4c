using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Refit;

namespace CustomGpt.ModelApi.Client;

// Server-Sent Events of /generate and /chat: the same "delta" and "error" events, a "done" event of the route's own shape.
public sealed partial class ModelApiClient
{
    /// <summary>How one route's stream becomes the caller's items: a delta's text, the "done" event, a failure.</summary>
    sealed record StreamItems<TItem, TDone>(Func<string, TItem> Delta, Func<TDone, TItem> Done, Func<ApiFailure, TItem> Failed, JsonTypeInfo<TDone> DoneJson);

    /// <summary>Yields deltas, then exactly one done or failed item. Cancelling <paramref name="ct"/> closes the
    /// connection, which stops the generation on the server.</summary>
    async IAsyncEnumerable<TItem> StreamAsync<TItem, TDone>(Func<string?, CancellationToken, Task<HttpResponseMessage>> call, StreamItems<TItem, TDone> items,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);

        // Refit sends with ResponseHeadersRead and hands over the response unread: the events are read as they come.
        var (response, failure) = await Guard<HttpResponseMessage>(async () =>
        {
            var key = await KeyAsync(ct);
            var r = await call(key.Value, timeout.Token);
            if (r.IsSuccessStatusCode) return (r, null);
            using (r) return (null, Refused(await ApiException.Create(r.RequestMessage!, r.RequestMessage!.Method, r, ModelApiRefit.Settings), key));
        }, timeout, null, ct);
        if (failure is not null)
        {
            yield return items.Failed(failure);
            yield break;
        }

        using (response)
        // Cancelling closes the connection at once, even while the caller is not reading: the server stops then
        // (the primary handler drains nothing, so disposing does not first read on for up to 2 s).
        using (ct.Register(static r => ((HttpResponseMessage)r!).Dispose(), response))
        {
            var (stream, streamFailure) = await Guard<Stream>(async () => (await response!.Content.ReadAsStreamAsync(timeout.Token), null), timeout, null, ct);
            if (stream is null)
            {
                yield return items.Failed(Lost(streamFailure));
                yield break;
            }
            var events = SseParser.Create(stream).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
            await using (events)
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested(); // events already buffered must not outlive a cancel
                    timeout.CancelAfter(options.Timeout); // the timeout is per event: a long generation is fine while it flows
                    var (next, nextFailure) = await Guard<StreamEvent<TItem>>(async () => (await NextItemAsync(events, items), null), timeout, null, ct);
                    if (next is { IsDelta: true })
                    {
                        yield return next.Item;
                        continue;
                    }
                    // The run is over when its response is: the server charges the key's usage before it ends the
                    // response, so a caller that asks for its usage next sees this run in it.
                    if (next is not null) await Guard<bool>(async () => (await DrainAsync(events), null), timeout, null, ct);
                    yield return next is null ? items.Failed(Lost(nextFailure)) : next.Item;
                    yield break;
                }
            }
        }
    }

    /// <summary>Reads what is left of the stream (nothing is expected after the last event).</summary>
    static async Task<bool> DrainAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        while (await events.MoveNextAsync()) { }
        return true;
    }

    sealed record StreamEvent<TItem>(TItem Item, bool IsDelta);

    /// <summary>A failure once the stream has begun: a transport error there means the connection was lost.</summary>
    ApiFailure Lost(ApiFailure? failure) => failure is null or { Kind: ApiFailureKind.Unreachable }
        ? new ApiFailure(ApiFailureKind.Unreachable, $"Unreachable: the connection to {options.BaseAddress.Host}:{options.BaseAddress.Port} was lost during generation.")
        : failure;

    async Task<StreamEvent<TItem>> NextItemAsync<TItem, TDone>(IAsyncEnumerator<SseItem<string>> events, StreamItems<TItem, TDone> items)
    {
        while (await events.MoveNextAsync())
        {
            var (name, data) = (events.Current.EventType, events.Current.Data);
            try
            {
                switch (name)
                {
                    case "delta":
                        return new(items.Delta(JsonSerializer.Deserialize(data, ModelApiJsonContext.Default.GenerateDelta)!.Text), true);
                    case "done":
                        return new(items.Done(JsonSerializer.Deserialize(data, items.DoneJson) ?? throw new JsonException("empty done event")), false);
                    case "error":
                        var error = JsonSerializer.Deserialize(data, ModelApiJsonContext.Default.GenerateError)?.Error ?? "no reason given";
                        return new(items.Failed(new ApiFailure(ApiFailureKind.ServerError, $"The generation failed on the server: {error}")), false);
                    // Other events are for newer clients: skip them.
                }
            }
            catch (Exception e) when (e is JsonException or NullReferenceException)
            {
                return new(items.Failed(ApiFailures.BadJson(options.BaseAddress)), false);
            }
        }
        return new(items.Failed(new ApiFailure(ApiFailureKind.Unexpected, "The stream ended before the generation was done.")), false);
    }
}
