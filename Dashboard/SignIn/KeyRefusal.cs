using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>
/// The proof, made by this server, that ModelApi refused the key a session signed in with. The circuit that saw the
/// refusal cannot touch cookies, so it sends the browser to the sign-in page with this ticket; only a ticket made here,
/// younger than <see cref="Lifetime"/> and for the key of the session that opens it, signs that session out and
/// gives the notice. A link anyone can write (`/signin?refused=key_blocked`) does neither.
/// </summary>
public sealed class KeyRefusal(IDataProtectionProvider protection)
{
    public const string QueryName = "refusal";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    ITimeLimitedDataProtector Protector => protection.CreateProtector("CustomGpt.Dashboard.KeyRefusal").ToTimeLimitedDataProtector();

    /// <summary>A ticket saying that <paramref name="key"/> was refused, and why (ModelApi's problem code).</summary>
    public string TicketFor(string key, string? code) => Protector.Protect(Fingerprint(key) + "\n" + (code ?? ""), Lifetime);

    /// <summary>The refusal's code when <paramref name="ticket"/> is genuine, fresh and about this session's key; otherwise null.</summary>
    public string? RefusalOf(ClaimsPrincipal user, string? ticket)
    {
        if (string.IsNullOrEmpty(ticket) || Session.KeyOf(user) is not { } key) return null;
        string text;
        try
        {
            text = Protector.Unprotect(ticket, out _);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null; // forged, altered, expired, or made by a server with other keys
        }
        var parts = text.Split('\n', 2);
        return parts.Length == 2 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts[0]), Encoding.ASCII.GetBytes(Fingerprint(key)))
            ? parts[1]
            : null;
    }

    static string Fingerprint(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
