using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>
/// Gives the typed client the key of the person this circuit belongs to (from its authentication
/// state, never a static), so their limits and usage apply. When ModelApi refuses that key
/// (revoked, blocked, expired), the session ends: the sign-in page, given this server's ticket
/// for the refusal (<see cref="KeyRefusal"/>), clears the cookie and says why.
/// </summary>
public sealed class SignedInKey(AuthenticationStateProvider auth, NavigationManager navigation, KeyRefusal refusal) : IApiKeyProvider
{
    /// <summary>The key last handed to the client: the one a refusal is about.</summary>
    string? lastKey;

    public async ValueTask<string?> GetApiKeyAsync(CancellationToken ct) =>
        lastKey = Session.KeyOf((await auth.GetAuthenticationStateAsync()).User);

    public void KeyRefused(ApiFailure failure)
    {
        if (lastKey is not { } key) return;
        navigation.NavigateTo($"signin?{KeyRefusal.QueryName}={Uri.EscapeDataString(refusal.TicketFor(key, failure.Code))}", forceLoad: true);
    }
}
