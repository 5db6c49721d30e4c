using System.Diagnostics;
using System.Net.Http.Json;
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
    public const string ApiKeyHeader = Contracts.ApiKeyHeader.Name;

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
    public IAsyncEnumerable<GenerateStreamItem> GenerateStreamAsync(GenerateRequest request, CancellationToken ct = default) =>
        StreamAsync(() => Post("generate", request with { Stream = true }), GenerateItems, ct);

    static readonly StreamItems<GenerateStreamItem, GenerateDone> GenerateItems =
        new(text => new GenerateStreamItem.Delta(text), done => new GenerateStreamItem.Done(done), failure => new GenerateStreamItem.Failed(failure));

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
