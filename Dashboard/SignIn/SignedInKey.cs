using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>
/// Gives the typed client the key of the person this circuit belongs to (from its authentication
/// state, never a static), so their limits and usage apply. When ModelApi refuses that key
/// (revoked, blocked, expired), the session ends: the sign-in page clears the cookie and says why.
/// </summary>
public sealed class SignedInKey(AuthenticationStateProvider auth, NavigationManager navigation) : IApiKeyProvider
{
    public async ValueTask<string?> GetApiKeyAsync(CancellationToken ct) => Session.KeyOf((await auth.GetAuthenticationStateAsync()).User);

    public void KeyRefused(ApiFailure failure) =>
        navigation.NavigateTo("signin?refused=" + Uri.EscapeDataString(failure.Code ?? "key_refused"), forceLoad: true);
}
