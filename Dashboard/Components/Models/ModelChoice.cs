using System.Security.Claims;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace CustomGpt.Dashboard.Components.Models;

/// <summary>Which model a person last picked, remembered in this browser per signed-in person (ProtectedLocalStorage:
/// encrypted with the Dashboard's data-protection keys, so it reads back on any instance that shares them).</summary>
public sealed class ModelChoice(ProtectedLocalStorage storage)
{
    const string Prefix = "customgpt.model:";

    /// <summary>The remembered model when it is still offered, else the first offered (the server's default comes first); null when none.</summary>
    public static string? Pick(IReadOnlyList<string> offered, string? remembered) =>
        remembered is not null && offered.Contains(remembered, StringComparer.Ordinal) ? remembered : offered.Count > 0 ? offered[0] : null;

    public async Task<string?> RememberedAsync(ClaimsPrincipal person)
    {
        try
        {
            var stored = await storage.GetAsync<string>(Name(person));
            return stored.Success ? stored.Value : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // written under another key ring: as if nothing were remembered
        }
        catch (Microsoft.JSInterop.JSDisconnectedException)
        {
            return null; // the tab is gone
        }
    }

    public async Task RememberAsync(ClaimsPrincipal person, string model)
    {
        try
        {
            await storage.SetAsync(Name(person), model);
        }
        catch (Microsoft.JSInterop.JSDisconnectedException)
        {
            // the tab is gone: nothing to remember it for
        }
    }

    /// <summary>One slot per person in a shared browser (their key's alias or name, "master key", or nobody signed in).</summary>
    static string Name(ClaimsPrincipal person) => Prefix + (person.Identity?.Name ?? "");
}
