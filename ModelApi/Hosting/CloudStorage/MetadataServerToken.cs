using System.Net.Http.Headers;
using System.Text.Json;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>
/// An OAuth access token for the service's own identity (its Cloud Run service account), from the
/// metadata server every Google Cloud runtime has: no key file to ship or leak. GCE_METADATA_HOST
/// moves it (tests, emulators), as it does for Google's client libraries. The token is never logged.
/// </summary>
public sealed class MetadataServerToken(HttpClient http, string host)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{host}/computeMetadata/v1/instance/service-accounts/default/token"));
        // Without this header the metadata server refuses: no page tricked into fetching it gets a token.
        request.Headers.Add("Metadata-Flavor", "Google");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
                throw new ModelDownloadException($"The metadata server gave no access token for the gs:// MODEL_URL: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(timeout.Token));
            if (body.RootElement.ValueKind == JsonValueKind.Object
                && body.RootElement.TryGetProperty("access_token", out var token)
                && token.ValueKind == JsonValueKind.String
                && token.GetString() is { Length: > 0 } value)
                return value;
            throw new ModelDownloadException("The metadata server's answer held no access_token.");
        }
        catch (HttpRequestException e)
        {
            throw new ModelDownloadException($"MODEL_URL is a gs:// URL, but the metadata server did not answer ({e.HttpRequestError}). " +
                "gs:// downloads as the service's own identity, which only Google Cloud runtimes (Cloud Run, GCE, GKE) have; elsewhere use an https:// signed URL.");
        }
        catch (JsonException)
        {
            throw new ModelDownloadException("The metadata server's answer was not JSON.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelDownloadException($"The metadata server did not answer within {Patience.TotalSeconds:0} s.");
        }
    }
}
