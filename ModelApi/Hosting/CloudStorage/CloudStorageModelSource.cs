using System.Net;
using System.Net.Http.Headers;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>
/// A model in a private Cloud Storage bucket (MODEL_URL=gs://bucket/path/model.gguf), downloaded
/// through the JSON API (GET /storage/v1/b/BUCKET/o/OBJECT?alt=media) with the service's own access
/// token. STORAGE_EMULATOR_HOST moves the API, as it does for Google's client libraries.
/// The service account needs roles/storage.objectViewer on the bucket.
/// </summary>
public sealed class CloudStorageModelSource(
    CloudStorageObject model, Uri storageEndpoint, MetadataServerToken token,
    string? sha256, string cacheDirectory, HttpClient http, ILogger<CloudStorageModelSource> logger)
    : DownloadedModelSource(sha256, cacheDirectory, logger)
{
    protected override string CacheFileName => ModelCache.FileName(model.ToString(), model.FileName);

    protected override string ShownAddress => model.ToString();

    protected override async Task<HttpResponseMessage> RequestAsync(CancellationToken cancellationToken)
    {
        var accessToken = await token.GetAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, model.MediaUrl(storageEndpoint));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
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
