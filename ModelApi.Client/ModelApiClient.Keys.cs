using System.Text.Json;

namespace CustomGpt.ModelApi.Client;

// The key routes (LiteLLM's): the master key manages keys; a virtual key may read its own /key/info.
public sealed partial class ModelApiClient
{
    /// <summary>POST /key/generate: a new key; its secret is in the answer this once.</summary>
    public Task<ApiResult<KeyGenerateResponse>> GenerateKeyAsync(KeyGenerateRequest request, CancellationToken ct = default) =>
        SendAsync((key, t) => api.GenerateKeyAsync(request, key, t), options.Timeout, ct);

    /// <summary>GET /key/info: a key's settings and usage (secret or key name); null asks about the key making the call.</summary>
    public Task<ApiResult<KeyInfoResponse>> KeyInfoAsync(string? key = null, CancellationToken ct = default) =>
        SendAsync((apiKey, t) => api.KeyInfoAsync(key, apiKey, t), options.Timeout, ct);

    /// <summary>GET /key/list: every key with its usage, no secrets.</summary>
    public Task<ApiResult<KeyListResponse>> ListKeysAsync(CancellationToken ct = default) =>
        SendAsync((key, t) => api.ListKeysAsync(key, t), options.Timeout, ct);

    /// <summary>POST /key/update: changes limits, alias or expiry, takes them away (<see cref="KeyUpdateRequest.Remove"/>),
    /// or blocks (<c>Blocked = true</c>) and unblocks.</summary>
    public Task<ApiResult<KeyInfoResponse>> UpdateKeyAsync(KeyUpdateRequest request, CancellationToken ct = default)
    {
        // Nulls are left out of every other body; here a null is what takes a setting away.
        var body = JsonSerializer.SerializeToNode(request, ModelApiJsonContext.Default.KeyUpdateRequest)!.AsObject();
        foreach (var setting in request.Remove) body[KeySettingNames.Of(setting)] = null;
        return SendAsync((key, t) => api.UpdateKeyAsync(body, key, t), options.Timeout, ct);
    }

    /// <summary>POST /key/delete: the keys (secrets or key names) are refused from then on.</summary>
    public Task<ApiResult<KeyDeleteResponse>> DeleteKeysAsync(IReadOnlyList<string> keys, CancellationToken ct = default) =>
        SendAsync((key, t) => api.DeleteKeysAsync(new KeyDeleteRequest(keys), key, t), options.Timeout, ct);
}
