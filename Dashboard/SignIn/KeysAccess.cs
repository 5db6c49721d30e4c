using CustomGpt.Dashboard.Hosting;
using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Components.Authorization;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>
/// Who may manage keys on the Keys page: a session signed in with ModelApi's master key (with that key),
/// or, when the Dashboard is given GPT_MASTER_KEY, every session that did not bring a key of its own
/// (a private Dashboard, or one locked with DASHBOARD_PASSWORD). Nobody signed in with a virtual key.
/// </summary>
public sealed class KeysAccess(AuthenticationStateProvider auth, DashboardSettings settings, ModelApiClient client)
{
    /// <summary>A client that sends the master key, or null when this session may not manage keys.</summary>
    public async Task<ModelApiClient?> MasterClientAsync()
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        if (Session.IsOperator(user)) return client;
        return settings.MasterKey is { } master && Session.KeyOf(user) is null ? client.WithApiKey(master) : null;
    }
}
