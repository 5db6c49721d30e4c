using System.Diagnostics;
using Refit;

namespace CustomGpt.ModelApi.Client;

/// <summary>
/// A typed client for ModelApi, over Refit's generated <see cref="IModelApi"/>. Every call returns a typed outcome
/// (<see cref="ApiResult{T}"/> or a <see cref="GenerateStreamItem.Failed"/> item) instead of throwing; only the
/// caller's own cancellation surfaces, as <see cref="OperationCanceledException"/>, and it also cancels the
/// generation on the server (the connection is closed). The key sent is the <see cref="IApiKeyProvider"/>'s
/// when one is registered and has one, else <see cref="ModelApiClientOptions.ApiKey"/>.
/// </summary>
public sealed partial class ModelApiClient
{
    public const string ApiKeyHeader = Contracts.ApiKeyHeader.Name;

    readonly IModelApi api;
    readonly ModelApiClientOptions options;
    readonly IApiKeyProvider? keys;
    readonly KeySource optionsKeySource;

    /// <summary>Over an <see cref="HttpClient"/> set up by <see cref="ModelApiClientServiceCollectionExtensions.AddModelApiClient"/>
    /// (the named client "ModelApiClient": no redirects, cancelled responses not drained).</summary>
    public ModelApiClient(HttpClient http, ModelApiClientOptions options, IApiKeyProvider? keys = null)
        : this(ModelApiRefit.For(http), options, keys, KeySource.Configured) { }

    internal ModelApiClient(IModelApi api, ModelApiClientOptions options, IApiKeyProvider? keys, KeySource optionsKeySource)
    {
        this.api = api;
        this.options = options;
        this.keys = keys;
        this.optionsKeySource = optionsKeySource;
    }

    public ModelApiClientOptions Options => options;

    /// <summary>The same client sending <paramref name="apiKey"/> instead, e.g. to check a key before anyone signs in with it.
    /// Throws <see cref="InvalidOperationException"/> when the key would travel in clear text to another machine.</summary>
    public ModelApiClient WithApiKey(string apiKey)
    {
        var fixedKey = options with { ApiKey = apiKey };
        fixedKey.EnsureKeyTravelsSafely();
        return new ModelApiClient(api, fixedKey, null, KeySource.Given);
    }

    /// <summary>GET /health. Succeeds only when every model is ready; loading and load errors are failures, which carry
    /// the health answer (<see cref="ApiFailure.Health"/>: each model's own state).</summary>
    public async Task<ApiResult<HealthResponse>> HealthAsync(CancellationToken ct = default)
    {
        HealthResponse? notReady = null;
        var result = await SendAsync(async (_, t) =>
        {
            var response = await api.HealthAsync(t);
            if (response.Error is ApiException { StatusCode: System.Net.HttpStatusCode.ServiceUnavailable, Content: { } body }) notReady = ReadHealth(body);
            return response;
        }, options.HealthTimeout, ct);
        return result.Succeeded || notReady is null ? result : ApiResult.Failed<HealthResponse>(result.Failure with { Health = notReady }, result.Elapsed);
    }

    static HealthResponse? ReadHealth(string body)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(body, ModelApiJsonContext.Default.HealthResponse);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // a problem-details body (the database), not a health answer
        }
    }

    /// <summary>POST /generate and wait for the whole text.</summary>
    public Task<ApiResult<GenerateResponse>> GenerateAsync(GenerateRequest request, CancellationToken ct = default) =>
        SendAsync((key, t) => api.GenerateAsync(request with { Stream = false }, key, t), options.Timeout, ct);

    /// <summary>POST /tokenize: how the model splits <paramref name="text"/>, as it would a prompt.</summary>
    public Task<ApiResult<TokenizeResponse>> TokenizeAsync(string text, CancellationToken ct = default) => TokenizeAsync(text, null, ct);

    /// <param name="model">Whose tokenizer (a name from <see cref="ModelsAsync"/>); null: the default model's.</param>
    public Task<ApiResult<TokenizeResponse>> TokenizeAsync(string text, string? model, CancellationToken ct = default) =>
        SendAsync((key, t) => api.TokenizeAsync(new TokenizeRequest(text, model), key, t), options.Timeout, ct);

    /// <summary>GET /v1/models: the names the key may send as <c>model</c>, the default model first.</summary>
    public Task<ApiResult<ModelList>> ModelsAsync(CancellationToken ct = default) =>
        SendAsync((key, t) => api.ModelsAsync(key, t), options.Timeout, ct);

    /// <summary>
    /// POST /generate with "stream": true. Yields <see cref="GenerateStreamItem.Delta"/>s as the text
    /// is generated, then exactly one <see cref="GenerateStreamItem.Done"/> or <see cref="GenerateStreamItem.Failed"/>.
    /// Cancelling <paramref name="ct"/> closes the connection, which stops the generation on the server.
    /// </summary>
    public IAsyncEnumerable<GenerateStreamItem> GenerateStreamAsync(GenerateRequest request, CancellationToken ct = default) =>
        StreamAsync((key, t) => api.GenerateStreamAsync(request with { Stream = true }, key, t), GenerateItems, ct);

    static readonly StreamItems<GenerateStreamItem, GenerateDone> GenerateItems =
        new(text => new GenerateStreamItem.Delta(text), done => new GenerateStreamItem.Done(done), failure => new GenerateStreamItem.Failed(failure),
            ModelApiJsonContext.Default.GenerateDone);

    /// <summary>One JSON call: the answer, or the failure read from Refit's <see cref="IApiResponse"/>.</summary>
    async Task<ApiResult<T>> SendAsync<T>(Func<string?, CancellationToken, Task<IApiResponse<T>>> call, TimeSpan limit, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var (value, failure) = await Guard<T>(async () =>
        {
            var key = await KeyAsync(ct);
            using var response = await call(key.Value, timeout.Token);
            if (response.IsSuccessful && response.Content is { } body) return (body, null);
            if (response.HasRequestError(out var requestError)) throw requestError;
            if (response.Error is ApiException error && !IsSuccess(error.StatusCode)) return (default, Refused(error, key));
            // A 2xx that did not read as the contract: the body was cut off (a transport error), or this is not ModelApi.
            if (FindTransport(response.Error?.InnerException) is { } lost) throw lost;
            return (default, ApiFailures.BadJson(options.BaseAddress));
        }, timeout, limit, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return failure is null ? ApiResult.Success(value!, elapsed) : ApiResult.Failed<T>(failure, elapsed);
    }

    static bool IsSuccess(System.Net.HttpStatusCode status) => (int)status is >= 200 and < 300;

    static Exception? FindTransport(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is HttpRequestException or IOException) return e;
        return null;
    }

    /// <summary>Runs one step; the caller's cancellation propagates, everything else becomes a failure.</summary>
    async Task<(T? Value, ApiFailure? Failure)> Guard<T>(Func<Task<(T?, ApiFailure?)>> step, CancellationTokenSource timeout, TimeSpan? limit, CancellationToken ct)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is IOException or ObjectDisposedException or HttpRequestException or ApiRequestException)
        {
            throw new OperationCanceledException("The caller cancelled.", e, ct); // the cancel closed the connection mid-read
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            return (default, ApiFailures.Timeout(limit ?? options.Timeout, options.BaseAddress));
        }
        catch (ApiRequestException e) when (!ct.IsCancellationRequested)
        {
            // Refit wraps the transport's exception; a timeout arrives here as the cancelled send it was.
            if (e.InnerException is OperationCanceledException && timeout.IsCancellationRequested)
                return (default, ApiFailures.Timeout(limit ?? options.Timeout, options.BaseAddress));
            return (default, ApiFailures.FromRequestError(e, options.BaseAddress));
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException)
        {
            return (default, ApiFailures.FromRequestError(e, options.BaseAddress));
        }
    }

    /// <summary>The key for this call (the provider's, else the configured one) and where it came from.</summary>
    async ValueTask<CallKey> KeyAsync(CancellationToken ct)
    {
        var provided = keys is null ? null : await keys.GetApiKeyAsync(ct);
        if (!string.IsNullOrEmpty(provided)) return new(provided, KeySource.SignedIn);
        return string.IsNullOrEmpty(options.ApiKey) ? new(null, KeySource.None) : new(options.ApiKey, optionsKeySource);
    }

    /// <summary>The failure in words; a signed-in person's key refused (401) is reported to the provider.</summary>
    ApiFailure Refused(ApiException error, CallKey key)
    {
        var failure = ApiFailures.FromResponse(error, key);
        if (key.Source == KeySource.SignedIn && failure.StatusCode == 401) keys!.KeyRefused(failure);
        return failure;
    }
}
