using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ServiceDefaults;

/// <summary>
/// How many proxies in front of ModelApi or the Dashboard are trusted to say who the client is (TRUST_FORWARDED_FOR=true is one,
/// FORWARDED_HOPS=N is N; none by default). Each proxy appends the address it took the connection from to
/// X-Forwarded-For, so the client is the Hops-th entry counted from the right; whatever stands further left
/// was written by the client and is never read. On Fly (FLY_APP_NAME set) Fly's proxy sets Fly-Client-IP
/// itself, which is taken when it holds an address. X-Forwarded-Proto is read from the same hops.
/// </summary>
public sealed record ForwardedTrust(int Hops, bool OnFly)
{
    public const string FlyClientIpHeader = "Fly-Client-IP";
    public const int MaxHops = 10;

    public static ForwardedTrust None { get; } = new(0, false);

    /// <summary>TRUST_FORWARDED_FOR and FORWARDED_HOPS as read (null when unset); a contradiction between them is an error.</summary>
    public static ForwardedTrust From(bool? trustForwardedFor, int? hops, string? flyAppName, List<string> errors)
    {
        if (trustForwardedFor is { } trust && hops is { } n && n != (trust ? 1 : 0))
            errors.Add($"TRUST_FORWARDED_FOR={(trust ? "true" : "false")} contradicts FORWARDED_HOPS={n}: set one of them (TRUST_FORWARDED_FOR=true is FORWARDED_HOPS=1).");
        var count = hops ?? (trustForwardedFor == true ? 1 : 0);
        return count == 0 ? None : new ForwardedTrust(count, !string.IsNullOrWhiteSpace(flyAppName));
    }
}

/// <summary>ASP.NET Core's ForwardedHeadersMiddleware set to <see cref="ForwardedTrust"/>: afterwards
/// HttpContext.Connection.RemoteIpAddress is the client and Request.Scheme what the client used.</summary>
public static class ForwardedClients
{
    public static IApplicationBuilder UseForwardedClients(this IApplicationBuilder app, ForwardedTrust trust)
    {
        if (trust.Hops == 0) return app;
        var chain = Options(ForwardedHeadersDefaults.XForwardedForHeaderName, trust.Hops);
        if (!trust.OnFly) return app.UseForwardedHeaders(chain);
        // Fly-Client-IP is one value Fly's proxy writes (the rightmost X-Forwarded-For entry on Fly is the app's own address).
        // The chain first: the middleware removes the header it consumed, so the Fly branch must be the second test.
        app.UseWhen(http => !FromFly(http), other => other.UseForwardedHeaders(chain));
        return app.UseWhen(FromFly, fly => fly.UseForwardedHeaders(Options(ForwardedTrust.FlyClientIpHeader, 1)));
    }

    static bool FromFly(HttpContext http) => IPAddress.TryParse(http.Request.Headers[ForwardedTrust.FlyClientIpHeader].ToString(), out _);

    static ForwardedHeadersOptions Options(string forHeader, int hops)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardedForHeaderName = forHeader,
            ForwardLimit = hops,
        };
        // The platform's proxies are the only way in and their addresses are not published: trust counts hops, not a list
        // (the defaults would trust loopback only). A value that is not an address stops the count there.
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        return options;
    }
}
