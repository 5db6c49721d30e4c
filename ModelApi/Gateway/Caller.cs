using System.Security.Claims;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Who is calling, as <see cref="ApiKeyAuthentication"/> found it; fixed for the request. <see cref="Role"/> is one of
/// <see cref="KeyRoles"/>. A virtual key brings its id, alias, models and limits (as read when the key was checked);
/// <see cref="Address"/> is the client address per-address limits count against.
/// </summary>
public sealed record Caller(string Role, string Address, string? KeyId = null, string? Alias = null, IReadOnlyList<string>? AllowedModels = null,
    long? RpmLimit = null, long? TpmLimit = null, long? TokenBudget = null, double? MaxBudget = null)
{
    public const string KeyIdClaim = "key_id", ModelClaim = "model";

    public bool IsVirtualKey => Role == KeyRoles.VirtualKey;

    /// <summary>How logs and /metrics name the caller: the key's alias or id, "master", "metrics", or null (API_KEY or no key).</summary>
    public string? Name => Role switch
    {
        KeyRoles.VirtualKey => string.IsNullOrEmpty(Alias) ? KeyId : Alias,
        KeyRoles.Master or KeyRoles.Metrics => Role,
        _ => null,
    };

    public static Caller? Of(HttpContext http) => http.Features.Get<Caller>();

    public static Caller For(KeyRow key, string address) =>
        new(KeyRoles.VirtualKey, address, key.KeyId, key.KeyAlias, ModelAccess.AllowedBy(key), key.RpmLimit, key.TpmLimit, key.TokenBudget, key.MaxBudget);

    /// <summary>The claims route policies look at: the role, and for a virtual key its id, alias and models.</summary>
    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Role, Role) };
        if (KeyId is not null) claims.Add(new(KeyIdClaim, KeyId));
        if (Name is { } name) claims.Add(new(ClaimTypes.Name, name));
        foreach (var model in AllowedModels ?? []) claims.Add(new(ModelClaim, model));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
