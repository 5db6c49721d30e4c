using CustomGpt.Dashboard.Hosting;
using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Authorization;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>How people get past the Dashboard's door.</summary>
public enum DoorLock
{
    /// <summary>No sign-in: the server-held key (GPT_API_KEY/GPT_MASTER_KEY) or none is used by everyone.</summary>
    None,
    /// <summary>DASHBOARD_PASSWORD, then the server-held key.</summary>
    Password,
    /// <summary>Each person signs in with their own ModelApi key, when ModelApi asks for one.</summary>
    OwnKey,
}

/// <summary>The [Authorize] requirement of the Dashboard's pages: signed in, or a door that needs no sign-in.</summary>
public sealed class DoorRequirement : IAuthorizationRequirement;

/// <summary>Decides the door from the settings; whether ModelApi asks for a key at all is probed and remembered for a while.</summary>
public sealed class Door(DashboardSettings settings, IHttpClientFactory http, TimeProvider time)
{
    static readonly TimeSpan Remember = TimeSpan.FromSeconds(30);
    sealed record Probe(bool NeedsKey, DateTimeOffset At);
    volatile Probe? probed; // one reference, swapped whole: safe across requests and circuits

    public DoorLock Lock { get; } = settings.Password is not null ? DoorLock.Password : settings.HoldsKey ? DoorLock.None : DoorLock.OwnKey;

    /// <summary>True when a visitor must sign in before using the Dashboard.</summary>
    public async Task<bool> NeedsSignInAsync(CancellationToken ct = default)
    {
        if (Lock != DoorLock.OwnKey) return Lock == DoorLock.Password;
        if (probed is { } p && time.GetUtcNow() - p.At < Remember) return p.NeedsKey;
        // A cheap keyed call without a key: 401 means ModelApi wants one. Unreachable or loading: ask for none
        // yet; should ModelApi refuse later, that 401 sends the visitor to sign in then.
        var keyless = new ModelApiClient(http.CreateClient(nameof(ModelApiClient)), settings.Api with { ApiKey = null });
        var answer = await keyless.TokenizeAsync("", ct);
        var needsKey = answer.Failure is { Kind: ApiFailureKind.Unauthorized };
        probed = new Probe(needsKey, time.GetUtcNow());
        return needsKey;
    }
}

/// <summary>Lets signed-in people through, and everyone when the door needs no sign-in.</summary>
public sealed class DoorHandler(Door door) : AuthorizationHandler<DoorRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, DoorRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true || !await door.NeedsSignInAsync()) context.Succeed(requirement);
    }
}
