using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Cloud.Storage.V1;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>
/// Google's Cloud Storage client, the one way this service talks to Cloud Storage (MODEL_URL=gs://..., gguf/gs://... models,
/// TRAIN_OUTPUT_URL): the JSON API at STORAGE_EMULATOR_HOST (else Google's), as the service's own identity from the metadata
/// server at GCE_METADATA_HOST (on Cloud Run, its service account; no key file). The address is set here rather than by
/// the library's emulator detection, which would drop the credential: the same token then goes to a test's fake bucket as
/// to Google, so the tests see what production sends. The library never logs the token.
/// </summary>
public static class GoogleStorage
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static StorageClient Create(ModelApiSettings settings)
    {
        var token = new Uri($"http://{settings.MetadataHost}/computeMetadata/v1/instance/service-accounts/default/token");
        return new StorageClientBuilder
        {
            BaseUri = new Uri(settings.StorageEndpoint, "storage/v1/").AbsoluteUri,
            GoogleCredential = new ComputeCredential(new ComputeCredential.Initializer(token.AbsoluteUri)).ToGoogleCredential(),
            ApplicationName = "CustomGpt",
        }.Build();
    }

    /// <summary>Gets the client's access token now (it is cached for its requests), so that a missing or refusing metadata
    /// server is reported as that, in words, rather than as a failed request. <paramref name="setting"/> names what needs it.</summary>
    public static async Task EnsureTokenAsync(StorageClient client, string setting, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            await ((ITokenAccess)client.Service.HttpClientInitializer).GetAccessTokenForRequestAsync(cancellationToken: timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new ModelDownloadException($"{setting} is a gs:// URL, but the metadata server did not answer ({e.HttpRequestError}). " +
                "gs:// works as the service's own identity, which only Google Cloud runtimes (Cloud Run, GCE, GKE) have; elsewhere use an https:// signed URL.");
        }
        catch (TokenResponseException e)
        {
            throw new ModelDownloadException($"The metadata server gave no access token for the gs:// {setting}: HTTP {(int?)e.StatusCode} {e.Error?.Error}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelDownloadException($"The metadata server did not answer within {Patience.TotalSeconds:0} s.");
        }
    }
}
