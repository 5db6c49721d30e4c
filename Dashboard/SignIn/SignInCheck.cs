using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CustomGpt.Dashboard.Hosting;
using CustomGpt.ModelApi.Client;
using CustomGpt.ModelApi.Contracts;

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
        // One question, "who am I" (GET /key/info without ?key=), says whether ModelApi accepts the key and in which role.
        var who = await withKey.KeyInfoAsync(null, ct);
        if (who.Failure is { Kind: ApiFailureKind.Unauthorized } refused) return (null, Session.RefusalOf(refused.Code));
        if (who.Failure is { } failed) return (null, "ModelApi could not check the key: " + failed.Message);
        var (role, info) = (who.Value!.Role, who.Value.Info);
        if (role == KeyRoles.Metrics) return (null, "This key only reads /metrics; sign in with a key that may generate.");
        if (info?.Models is { Count: > 0 })
        {
            // A key limited to some models: does this service serve any of them? (/v1/models lists only those; loading: accepted first)
            var usable = await withKey.ModelsAsync(ct);
            if (usable is { Succeeded: true, Value.Data.Count: 0 }) return (null, Session.RefusalOf(ProblemCodes.ModelNotAllowed));
        }
        return role switch
        {
            KeyRoles.Master => (Session.ForKey(secret, "master key", isMaster: true), null),
            KeyRoles.VirtualKey when info is not null => (Session.ForKey(secret, info.KeyAlias ?? info.KeyName, isMaster: false), null),
            _ => (Session.ForKey(secret, "API key", isMaster: false), null),
        };
    }

    /// <summary>Compared as SHA-256 digests in constant time: the time taken says nothing about the password.</summary>
    bool PasswordMatches(string typed) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(typed)), SHA256.HashData(Encoding.UTF8.GetBytes(settings.Password!)));
}
