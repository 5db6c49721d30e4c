using System.Threading.RateLimiting;
using CustomGpt.Dashboard.Hosting;
using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace CustomGpt.Dashboard.SignIn;

/// <summary>The door: cookie sign-in, the [Authorize] policy, the sign-in rate limit and POST /signout.</summary>
public static class SignInServices
{
    public const string SignInLimit = "sign-in";
    public const int AttemptsPerMinute = 10;

    public static IServiceCollection AddDashboardSignIn(this IServiceCollection services, DashboardSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Door>();
        services.AddSingleton<IAuthorizationHandler, DoorHandler>();
        services.AddSingleton<KeyRefusal>();
        services.AddScoped<IApiKeyProvider, SignedInKey>();
        services.AddScoped<SignInCheck>();
        services.AddScoped<KeysAccess>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/signin";
            cookie.Cookie.Name = "customgpt.session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever the visitor came over https (ForwardedTrust)
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            cookie.SlidingExpiration = true;
            // Signing in on /signin sends the visitor to its ?ReturnUrl=: only to a path a Location header can carry safely.
            cookie.Events.OnRedirectToReturnUrl = context =>
            {
                context.Response.Redirect(ReturnPath.Local(context.RedirectUri));
                return Task.CompletedTask;
            };
        });
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddAuthorization(o => o.DefaultPolicy = new AuthorizationPolicyBuilder().AddRequirements(new DoorRequirement()).Build());
        services.AddCascadingAuthenticationState();
        // Guessing a password or a key costs one minute per AttemptsPerMinute tries from an address.
        services.AddRateLimiter(limits =>
        {
            limits.AddPolicy(SignInLimit, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = AttemptsPerMinute, Window = TimeSpan.FromMinutes(1) })
                : RateLimitPartition.GetNoLimiter("page"));
            limits.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await context.HttpContext.Response.WriteAsync(
                    $"Too many sign-in attempts from your address (more than {AttemptsPerMinute} a minute): wait a minute, then try again.", ct);
            };
        });
        return services;
    }

    public static WebApplication UseDashboardSignIn(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>POST /signout (a form with the antiforgery token): forgets the session, and with it the key.</summary>
    public static IEndpointRouteBuilder MapSignOut(this IEndpointRouteBuilder app)
    {
        app.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest("The sign-out form expired: reload the page and sign out again.");
            await http.SignOutAsync();
            return Results.Redirect("/signin?signedout=1");
        }).ExcludeFromDescription();
        return app;
    }
}
