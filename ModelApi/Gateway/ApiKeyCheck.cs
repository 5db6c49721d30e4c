using CustomGpt.ModelApi.Contracts;
using System.Security.Cryptography;
using System.Text;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Where a caller's key is read from (X-API-Key, or Authorization: Bearer) and how a secret from the
/// environment (API_KEY, MASTER_KEY) is compared: as SHA-256 digests in constant time, so timing
/// reveals neither content nor length. Gateway/Authentication decides what a key may do.
/// </summary>
public static class ApiKeyCheck
{
    public const string HeaderName = ApiKeyHeader.Name;

    /// <summary>The key the request carries, or null.</summary>
    public static string? Presented(HttpRequest request)
    {
        string? presented = request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            string? authorization = request.Headers.Authorization;
            if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true) presented = authorization[7..].Trim();
        }
        return string.IsNullOrEmpty(presented) ? null : presented;
    }

    public static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string? presented, byte[] expectedDigest) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Digest(presented), expectedDigest);
}
