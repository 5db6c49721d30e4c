namespace CustomGpt.ModelApi.Client;

/// <summary>
/// The key for each call when it is not one key for the whole application, e.g. the key a web user
/// signed in with. Register one in the same DI scope as <see cref="ModelApiClient"/> and the client
/// asks it before every call; null falls back to <see cref="ModelApiClientOptions.ApiKey"/>.
/// </summary>
public interface IApiKeyProvider
{
    ValueTask<string?> GetApiKeyAsync(CancellationToken ct);

    /// <summary>The API answered 401 to the key this provider gave (wrong, revoked, blocked or expired).</summary>
    void KeyRefused(ApiFailure failure);
}
