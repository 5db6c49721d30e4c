using System.Net;
using Google.Cloud.Storage.V1;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>
/// A model in a private Cloud Storage bucket (MODEL_URL=gs://bucket/path/model.gguf), downloaded through the JSON API's media
/// download (GET /storage/v1/b/BUCKET/o/OBJECT?alt=media) on Google's client: its HTTP pipeline adds the service's token
/// (<see cref="GoogleStorage"/>); the response is streamed, verified and cached as any download (<see cref="DownloadedModelSource"/>).
/// The service account needs roles/storage.objectViewer on the bucket.
/// </summary>
public sealed class CloudStorageModelSource(
    CloudStorageObject model, Uri storageEndpoint, StorageClient storage,
    string? sha256, string cacheDirectory, ILogger<CloudStorageModelSource> logger)
    : DownloadedModelSource(sha256, cacheDirectory, logger)
{
    protected override string CacheFileName => ModelCache.FileName(model.ToString(), model.FileName);

    protected override string ShownAddress => model.ToString();

    protected override async Task<HttpResponseMessage> RequestAsync(CancellationToken cancellationToken)
    {
        await GoogleStorage.EnsureTokenAsync(storage, "MODEL_URL", cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, model.MediaUrl(storageEndpoint));
        return await storage.Service.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    protected override string Refusal(HttpResponseMessage response) => response.StatusCode switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            $"Cloud Storage refused the model: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. The service's account needs roles/storage.objectViewer on the bucket.",
        HttpStatusCode.NotFound =>
            "Cloud Storage has no such object (HTTP 404): check the bucket and object name in MODEL_URL.",
        _ => base.Refusal(response),
    };
}
