using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>
/// Google's Cloud Storage client, as this service uses it: the JSON API at STORAGE_EMULATOR_HOST (else Google's), and the
/// service's own identity from the metadata server at GCE_METADATA_HOST (on Cloud Run, its service account; no key file).
/// The address is set here rather than by the library's emulator detection, which would drop the credential: the same
/// token then goes to a test's fake bucket as to Google, so the tests see what production sends.
/// </summary>
public static class GoogleStorage
{
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
}
