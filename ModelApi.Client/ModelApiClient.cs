using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CustomGpt.ModelApi.Client;

/// <summary>
/// A typed client for ModelApi. Every call returns a typed outcome (<see cref="ApiResult{T}"/> or a
/// <see cref="GenerateStreamItem.Failed"/> item) instead of throwing; only the caller's own
/// cancellation surfaces, as <see cref="OperationCanceledException"/>, and it also cancels the
/// generation on the server (the connection is closed). The key sent is the <see cref="IApiKeyProvider"/>'s
/// when one is registered and has one, else <see cref="ModelApiClientOptions.ApiKey"/>.
/// </summary>
public sealed partial class ModelApiClient(HttpClient http, ModelApiClientOptions options, IApiKeyProvider? keys = null)
{
    public const string ApiKeyHeader = "X-API-Key";

    public ModelApiClientOptions Options => options;

    /// <summary>The same client sending <paramref name="apiKey"/> instead, e.g. to check a key before anyone signs in with it.
    /// Throws <see cref="InvalidOperationException"/> when the key would travel in clear text to another machine.</summary>
    public ModelApiClient WithApiKey(string apiKey)
    {
        var fixedKey = options with { ApiKey = apiKey };
        fixedKey.EnsureKeyTravelsSafely();
        return new ModelApiClient(http, fixedKey);
    }

    /// <summary>GET /health. Succeeds only when the model is ready; loading and load errors are failures.</summary>
    public Task<ApiResult<HealthResponse>> HealthAsync(CancellationToken ct = default) =>
        SendAsync<HealthResponse>(() => new HttpRequestMessage(HttpMethod.Get, options.Route("health")), options.HealthTimeout, ct);

    /// <summary>POST /generate and wait for the whole text.</summary>
    public Task<ApiResult<GenerateResponse>> GenerateAsync(GenerateRequest request, CancellationToken ct = default) =>
        SendAsync<GenerateResponse>(() => Post("generate", request with { Stream = false }), options.Timeout, ct);

    /// <summary>POST /tokenize: how the model splits <paramref name="text"/>, as it would a prompt.</summary>
    public Task<ApiResult<TokenizeResponse>> TokenizeAsync(string text, CancellationToken ct = default) =>
        SendAsync<TokenizeResponse>(() => Post("tokenize", new TokenizeRequest(text)), options.Timeout, ct);

    /// <summary>
    /// POST /generate with "stream": true. Yields <see cref="GenerateStreamItem.Delta"/>s as the text
    /// is generated, then exactly one <see cref="GenerateStreamItem.Done"/> or <see cref="GenerateStreamItem.Failed"/>.
    /// Cancelling <paramref name="ct"/> closes the connection, which stops the generation on the server.
    /// </summary>
    public async IAsyncEnumerable<GenerateStreamItem> GenerateStreamAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var message = Post("generate", request with { Stream = true });
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        var (response, failure) = await Guard<HttpResponseMessage>(async () =>
        {
            var key = await AddKeyAsync(message, ct);
            var r = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (r.IsSuccessStatusCode) return (r, null);
            using (r) return (null, await FailureAsync(r, key, timeout.Token));
        }, timeout, null, ct);
        if (failure is not null)
        {
            yield return new GenerateStreamItem.Failed(failure);
            yield break;
        }

        using (response)
        // Cancelling closes the connection at once, even while the caller is not reading: the server stops then.
        using (ct.Register(static r => ((HttpResponseMessage)r!).Dispose(), response))
        {
            var (stream, streamFailure) = await Guard<Stream>(async () => (await response!.Content.ReadAsStreamAsync(timeout.Token), null), timeout, null, ct);
            if (stream is null)
            {
                yield return new GenerateStreamItem.Failed(Lost(streamFailure));
                yield break;
            }
            using var events = new ServerSentEventReader(stream);
            while (true)
            {
                ct.ThrowIfCancellationRequested(); // events already buffered must not outlive a cancel
                timeout.CancelAfter(options.Timeout); // the timeout is per event: a long generation is fine while it flows
                var (item, itemFailure) = await Guard<GenerateStreamItem>(async () => (await NextItemAsync(events, timeout.Token), null), timeout, null, ct);
                item ??= new GenerateStreamItem.Failed(Lost(itemFailure));
                yield return item;
                if (item is not GenerateStreamItem.Delta) yield break;
            }
        }
    }

    /// <summary>A failure once the stream has begun: a transport error there means the connection was lost.</summary>
    ApiFailure Lost(ApiFailure? failure) => failure is null or { Kind: ApiFailureKind.Unreachable }
        ? new ApiFailure(ApiFailureKind.Unreachable, $"Unreachable: the connection to {options.BaseAddress.Host}:{options.BaseAddress.Port} was lost during generation.")
        : failure;

    async Task<GenerateStreamItem> NextItemAsync(ServerSentEventReader events, CancellationToken ct)
    {
        while (await events.ReadAsync(ct) is { } next)
        {
            var (name, data) = next;
            try
            {
                switch (name)
                {
                    case "delta":
                        return new GenerateStreamItem.Delta(JsonSerializer.Deserialize<GenerateDelta>(data, ModelApiJson.Options)!.Text);
                    case "done":
                        return new GenerateStreamItem.Done(JsonSerializer.Deserialize<GenerateDone>(data, ModelApiJson.Options)!);
                    case "error":
                        var error = JsonSerializer.Deserialize<GenerateError>(data, ModelApiJson.Options)?.Error ?? "no reason given";
                        return new GenerateStreamItem.Failed(new ApiFailure(ApiFailureKind.ServerError, $"The generation failed on the server: {error}"));
                    // Other events are for newer clients: skip them.
                }
            }
            catch (Exception e) when (e is JsonException or NullReferenceException)
            {
                return new GenerateStreamItem.Failed(ApiFailures.BadJson(options.BaseAddress));
            }
        }
        return new GenerateStreamItem.Failed(new ApiFailure(ApiFailureKind.Unexpected, "The stream ended before the generation was done."));
    }

    async Task<ApiResult<T>> SendAsync<T>(Func<HttpRequestMessage> create, TimeSpan limit, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var (value, failure) = await Guard<T>(async () =>
        {
            using var message = create();
            var key = await AddKeyAsync(message, ct);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            if (!response.IsSuccessStatusCode) return (default, await FailureAsync(response, key, timeout.Token));
            try
            {
                var body = await response.Content.ReadFromJsonAsync<T>(ModelApiJson.Options, timeout.Token);
                return body is null ? (default, ApiFailures.BadJson(options.BaseAddress)) : (body, null);
            }
            catch (JsonException)
            {
                return (default, ApiFailures.BadJson(options.BaseAddress));
            }
        }, timeout, limit, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return failure is null ? ApiResult.Success(value!, elapsed) : ApiResult.Failed<T>(failure, elapsed);
    }

    /// <summary>Runs one step; the caller's cancellation propagates, everything else becomes a failure.</summary>
    async Task<(T? Value, ApiFailure? Failure)> Guard<T>(Func<Task<(T?, ApiFailure?)>> step, CancellationTokenSource timeout, TimeSpan? limit, CancellationToken ct)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is IOException or ObjectDisposedException or HttpRequestException)
        {
            throw new OperationCanceledException("The caller cancelled.", e, ct); // the cancel closed the connection mid-read
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            return (default, ApiFailures.Timeout(limit ?? options.Timeout, options.BaseAddress));
        }
        catch (HttpRequestException e) when (!ct.IsCancellationRequested)
        {
            return (default, ApiFailures.FromException(e, options.BaseAddress));
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            return (default, ApiFailures.FromException(new HttpRequestException(HttpRequestError.ResponseEnded, e.Message, e), options.BaseAddress));
        }
    }

    HttpRequestMessage Post<T>(string route, T body) =>
        new(HttpMethod.Post, options.Route(route)) { Content = JsonContent.Create(body, options: ModelApiJson.Options) };

    /// <summary>Adds the key for this call (the provider's, else the configured one); says where it came from.</summary>
    async Task<KeySource> AddKeyAsync(HttpRequestMessage message, CancellationToken ct)
    {
        var provided = keys is null ? null : await keys.GetApiKeyAsync(ct);
        var key = string.IsNullOrEmpty(provided) ? options.ApiKey : provided;
        if (!string.IsNullOrEmpty(key)) message.Headers.TryAddWithoutValidation(ApiKeyHeader, key);
        return !string.IsNullOrEmpty(provided) ? KeySource.Provider : string.IsNullOrEmpty(key) ? KeySource.None : KeySource.Options;
    }

    async Task<ApiFailure> FailureAsync(HttpResponseMessage response, KeySource key, CancellationToken ct)
    {
        var failure = await ApiFailures.FromResponseAsync(response, key != KeySource.None, ct);
        if (key == KeySource.Provider && failure.StatusCode == 401) keys!.KeyRefused(failure);
        return failure;
    }

    enum KeySource { None, Options, Provider }
}
