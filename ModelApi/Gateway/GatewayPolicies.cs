using CustomGpt.ModelApi.Contracts;
using Microsoft.AspNetCore.Authorization;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// What each route needs, by role (<see cref="KeyRoles"/>). The fallback is <see cref="Callers"/>: a route that says
/// nothing is protected, so a new route cannot be left open by mistake; /health says AllowAnonymous.
/// </summary>
public static class GatewayPolicies
{
    /// <summary>Anyone who may use the model: the master key, a virtual key, API_KEY, or anyone on an open server (not METRICS_TOKEN).</summary>
    public const string Callers = "callers";
    /// <summary>The master key only: managing keys.</summary>
    public const string Master = "master";
    /// <summary>/metrics: the master key, API_KEY, METRICS_TOKEN, or anyone on an open server (never a virtual key: it lists every key's usage).</summary>
    public const string Metrics = "metrics";

    public static IServiceCollection AddGatewayPolicies(this IServiceCollection services)
    {
        var callers = Roles(KeyRoles.Master, KeyRoles.VirtualKey, KeyRoles.ApiKey, KeyRoles.Open);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(callers)
            .SetDefaultPolicy(callers)
            .AddPolicy(Callers, callers)
            .AddPolicy(Master, Roles(KeyRoles.Master))
            .AddPolicy(Metrics, Roles(KeyRoles.Master, KeyRoles.ApiKey, KeyRoles.Metrics, KeyRoles.Open));
        return services;
    }

    static AuthorizationPolicy Roles(params string[] roles) => new AuthorizationPolicyBuilder(ApiKeyAuthentication.SchemeName)
        .RequireAuthenticatedUser().RequireRole(roles).Build();
}
