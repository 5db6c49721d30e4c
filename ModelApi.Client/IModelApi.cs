using System.Text.Json.Nodes;
using Refit;

namespace CustomGpt.ModelApi.Client;

/// <summary>
/// ModelApi's routes as Refit declares them; the source generator writes the HTTP code. Every keyed route takes
/// the key for that one call (<c>null</c> sends none), so the key of whoever is signed in travels with the call
/// rather than through a handler, which lives in the HttpClientFactory's own DI scope and cannot see theirs.
/// JSON routes answer <see cref="IApiResponse{T}"/> (failures are read, not thrown); streams answer the raw
/// response, read from its headers on (Refit sends with ResponseHeadersRead and does not buffer it).
/// </summary>
interface IModelApi
{
    const string Key = ApiKeyHeader.Name;
    const string EventStream = "Accept: text/event-stream";

    [Get("/health")]
    Task<IApiResponse<HealthResponse>> HealthAsync(CancellationToken ct);

    /// <summary>The models the calling key may use.</summary>
    [Get("/v1/models")]
    Task<IApiResponse<ModelList>> ModelsAsync([Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/generate")]
    Task<IApiResponse<GenerateResponse>> GenerateAsync([Body] GenerateRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/generate")]
    [Headers(EventStream)]
    Task<HttpResponseMessage> GenerateStreamAsync([Body] GenerateRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/tokenize")]
    Task<IApiResponse<TokenizeResponse>> TokenizeAsync([Body] TokenizeRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/chat")]
    Task<IApiResponse<ChatResponse>> ChatAsync([Body] ChatRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/chat")]
    [Headers(EventStream)]
    Task<HttpResponseMessage> ChatStreamAsync([Body] ChatRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/key/generate")]
    Task<IApiResponse<KeyGenerateResponse>> GenerateKeyAsync([Body] KeyGenerateRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    /// <summary><paramref name="key"/> null: the calling key's own info.</summary>
    [Get("/key/info")]
    Task<IApiResponse<KeyInfoResponse>> KeyInfoAsync([Query, AliasAs("key")] string? key, [Header(Key)] string? apiKey, CancellationToken ct);

    [Get("/key/list")]
    Task<IApiResponse<KeyListResponse>> ListKeysAsync([Header(Key)] string? apiKey, CancellationToken ct);

    /// <summary>A JSON object rather than <see cref="KeyUpdateRequest"/>: a setting taken away is sent as an explicit null.</summary>
    [Post("/key/update")]
    Task<IApiResponse<KeyInfoResponse>> UpdateKeyAsync([Body] JsonObject request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/key/delete")]
    Task<IApiResponse<KeyDeleteResponse>> DeleteKeysAsync([Body] KeyDeleteRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    // Training (#23): OpenAI's files and fine-tuning jobs, master key only.
    [Multipart]
    [Post("/v1/files")]
    Task<IApiResponse<FileObject>> UploadFileAsync([AliasAs("file")] ByteArrayPart file, [AliasAs("purpose")] string purpose, [Header(Key)] string? apiKey, CancellationToken ct);

    [Get("/v1/files/{id}/content")]
    Task<HttpResponseMessage> FileContentAsync(string id, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/v1/fine_tuning/jobs")]
    Task<IApiResponse<FineTuningJob>> CreateFineTuningJobAsync([Body] FineTuningJobRequest request, [Header(Key)] string? apiKey, CancellationToken ct);

    [Get("/v1/fine_tuning/jobs")]
    Task<IApiResponse<FineTuningJobList>> ListFineTuningJobsAsync([Header(Key)] string? apiKey, CancellationToken ct);

    [Get("/v1/fine_tuning/jobs/{id}")]
    Task<IApiResponse<FineTuningJob>> FineTuningJobAsync(string id, [Header(Key)] string? apiKey, CancellationToken ct);

    [Get("/v1/fine_tuning/jobs/{id}/events")]
    Task<IApiResponse<FineTuningEventList>> FineTuningEventsAsync(string id, [Query] int limit, [Header(Key)] string? apiKey, CancellationToken ct);

    [Post("/v1/fine_tuning/jobs/{id}/cancel")]
    Task<IApiResponse<FineTuningJob>> CancelFineTuningJobAsync(string id, [Header(Key)] string? apiKey, CancellationToken ct);
}
