using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>
/// What a signed-in session carries. The ModelApi key is a claim: it lives only in the authentication
/// cookie, which ASP.NET Core data protection encrypts, and in the server's memory; no page shows it.
/// </summary>
public static class Session
{
    const string KeyClaim = "modelapi_key";
    const string OperatorRole = "operator";

    public static ClaimsPrincipal ForKey(string key, string name, bool isMaster) => Principal("key",
        [new(ClaimTypes.Name, name), new(KeyClaim, key), .. isMaster ? new[] { new Claim(ClaimTypes.Role, OperatorRole) } : []]);

    public static ClaimsPrincipal ForPassword() => Principal("password", [new(ClaimTypes.Name, "dashboard password")]);

    /// <summary>The key this session signed in with, or null (password, or no sign-in).</summary>
    public static string? KeyOf(ClaimsPrincipal user) => user.FindFirst(KeyClaim)?.Value;

    /// <summary>Signed in with ModelApi's master key.</summary>
    public static bool IsOperator(ClaimsPrincipal user) => user.IsInRole(OperatorRole);

    /// <summary>Why ModelApi refused a key, in words for the person who holds it.</summary>
    public static string RefusalOf(string? code) => code switch
    {
        ProblemCodes.KeyBlocked => "This key is blocked: ask the operator to unblock it.",
        ProblemCodes.KeyExpired => "This key has expired: ask the operator for a new one.",
        ProblemCodes.KeyUnknown => "ModelApi does not know this key (wrong, or deleted): check it, or ask the operator for a new one.",
        ProblemCodes.ModelNotAllowed => "This key may not use any model this ModelApi serves: ask the operator for a key that lists one.",
        _ => "ModelApi did not accept this key.",
    };

    static ClaimsPrincipal Principal(string method, Claim[] claims) =>
        new(new ClaimsIdentity([.. claims, new Claim(ClaimTypes.AuthenticationMethod, method)], CookieAuthenticationDefaults.AuthenticationScheme));
}
