using System.Security.Cryptography;
using System.Text;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>Virtual key secrets: made here, shown once, stored only as a SHA-256 digest.</summary>
public static class KeySecret
{
    public const string Prefix = "sk-";
    /// <summary>Characters of the secret (after "sk-") kept as the visible key id.</summary>
    const int VisibleChars = 8;

    /// <summary>"sk-" + 43 url-safe characters (32 random bytes, base64url), and its visible id.</summary>
    public static (string Secret, string KeyId) New()
    {
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (secret, IdOf(secret));
    }

    public static string IdOf(string secret) => secret[..Math.Min(secret.Length, Prefix.Length + VisibleChars)];

    /// <summary>Lowercase hex SHA-256 of the UTF-8 secret: what the database holds and is searched by.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>True for something shaped like a whole secret (not a key id): "sk-" and more than the visible part.</summary>
    public static bool LooksLikeSecret(string value) =>
        value.StartsWith(Prefix, StringComparison.Ordinal) && value.Length > Prefix.Length + VisibleChars;
}
