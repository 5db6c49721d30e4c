using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CustomGpt.Dashboard.Hosting;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>Checks what someone typed on the sign-in page: the Dashboard password, or their own ModelApi key (asked of ModelApi).</summary>
public sealed class SignInCheck(Door door, DashboardSettings settings, ModelApiClient client)
{
    public async Task<(ClaimsPrincipal? User, string? Problem)> CheckAsync(string? typed, CancellationToken ct = default)
    {
        var secret = typed?.Trim();
        if (door.Lock == DoorLock.Password)
            return string.IsNullOrEmpty(secret) ? (null, "Enter the Dashboard password.")
                : PasswordMatches(secret) ? (Session.ForPassword(), null) : (null, "Wrong password.");
        if (string.IsNullOrEmpty(secret)) return (null, "Enter your ModelApi key.");

        ModelApiClient withKey;
        try
        {
            withKey = client.WithApiKey(secret);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message); // plain http to another machine: the key would travel in clear text
        }
        // A cheap call that needs a key says whether ModelApi accepts it (loading: the key was accepted first).
        var tried = await withKey.TokenizeAsync("", ct);
        if (tried.Failure is { Kind: ApiFailureKind.Unauthorized or ApiFailureKind.ModelNotAllowed } refused) return (null, Session.RefusalOf(refused.Code));
        if (tried.Failure is { Kind: not ApiFailureKind.Loading } failed) return (null, "ModelApi could not check the key: " + failed.Message);

        // Only the master key may list keys; a virtual key may read its own info (for its name); API_KEY neither.
        if ((await withKey.ListKeysAsync(ct)).Succeeded) return (Session.ForKey(secret, "master key", isMaster: true), null);
        var info = (await withKey.KeyInfoAsync(null, ct)).Value?.Info;
        return (Session.ForKey(secret, info is null ? "API key" : info.KeyAlias ?? info.KeyName, isMaster: false), null);
    }

    /// <summary>Compared as SHA-256 digests in constant time: the time taken says nothing about the password.</summary>
    bool PasswordMatches(string typed) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(typed)), SHA256.HashData(Encoding.UTF8.GetBytes(settings.Password!)));
}
