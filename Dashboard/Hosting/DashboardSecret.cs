using System.Security.Cryptography;
using System.Text;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>
/// DASHBOARD_SECRET: one secret given to every instance of the Dashboard, from which each derives the same
/// data-protection key. Sign-in cookies, antiforgery tokens and Blazor's circuit descriptors made by one
/// instance are then read by any other (Fly's proxy sends each request to any machine). Only the derived
/// key material is kept; the secret itself is never stored or logged.
/// </summary>
public sealed class DashboardSecret
{
    public const string Variable = "DASHBOARD_SECRET";
    /// <summary>"true" makes a missing DASHBOARD_SECRET an error at start (fly.toml sets it: Fly runs several machines).</summary>
    public const string RequiredVariable = "DASHBOARD_SECRET_REQUIRED";
    public const int MinLength = 32;
    public const string HowToSet = "fly secrets set DASHBOARD_SECRET=$(openssl rand -base64 48)";

    // Fixed labels: the same secret gives the same key everywhere, and these bytes serve no other purpose.
    static readonly byte[] Salt = "CustomGpt.Dashboard"u8.ToArray();

    DashboardSecret(byte[] masterKey, Guid keyId)
    {
        MasterKey = masterKey;
        KeyId = keyId;
    }

    /// <summary>512 bits for ASP.NET Core's default authenticated encryptor (AES-256-CBC + HMAC-SHA256).</summary>
    public byte[] MasterKey { get; }
    public Guid KeyId { get; }

    /// <summary>The derived key, or null when DASHBOARD_SECRET is unset (a single instance, keys in its home folder).</summary>
    /// <exception cref="InvalidOperationException">The secret is too short, or required and missing; the message names DASHBOARD_SECRET.</exception>
    public static DashboardSecret? FromConfiguration(IConfiguration config)
    {
        var secret = config[Variable]?.Trim();
        if (string.IsNullOrEmpty(secret))
        {
            if (DashboardSettings.Flag(config, RequiredVariable))
                throw new InvalidOperationException(
                    $"{Variable} is not set, and {RequiredVariable}=true says this Dashboard runs as several instances: each must protect " +
                    $"sign-ins and pages with the same key. Set one secret for all of them: {HowToSet}");
            return null;
        }
        if (secret.Length < MinLength)
            throw new InvalidOperationException(
                $"{Variable} is {secret.Length} characters long; it must have at least {MinLength} (every sign-in is protected by it). " +
                $"Make one with: {HowToSet}");
        var ikm = Encoding.UTF8.GetBytes(secret);
        var masterKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 64, Salt, "data-protection master key v1"u8.ToArray());
        var keyId = new Guid(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, Salt, "data-protection key id v1"u8.ToArray()));
        CryptographicOperations.ZeroMemory(ikm);
        return new DashboardSecret(masterKey, keyId);
    }

    /// <summary>Never the key material: this object may end up in a log or a debugger.</summary>
    public override string ToString() => $"{Variable} (key {KeyId})";
}
