using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace CustomGpt.ModelApi.Gateway;

public static class GatewayServices
{
    /// <summary>The key database (when MASTER_KEY or RATE_LIMIT_RPM needs one), the key cache, metrics,
    /// JSON logs when LOG_FORMAT=json (escaped text otherwise), the request body limit, and 4xx for bad requests Kestrel refuses.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder, ModelApiSettings settings)
    {
        var needsDatabase = settings.MasterKey is not null || settings.RateLimitRpm is not null;
        KeyStore? store = !needsDatabase ? null
            : settings.DatabaseUrl is { } url ? new PostgresKeyStore(DatabaseUrl.ToConnectionString(url))
            : new SqliteKeyStore(settings.KeysDb);
        builder.Services.AddSingleton(new KeyDatabase(store));
        builder.Services.AddHostedService<KeyDatabaseHost>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewaySecrets>();
        builder.Services.AddSingleton<VerifiedKeys>();
        builder.Services.AddSingleton<FailedKeyChecks>();
        builder.Services.AddSingleton<TokenReservations>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddGatewayPolicies();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxBodyBytes);
        // A body Kestrel stops reading (slower than MinRequestBodyDataRate: 408; too large: 413) is the caller's doing, not a 500.
        builder.Services.Configure<ExceptionHandlerOptions>(o => o.StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        // Either way a log entry is one entry, whatever a caller wrote into what it logs (JSON escapes by itself).
        if (settings.JsonLogs)
        {
            builder.Logging.AddConsole(o => o.FormatterName = CloudLoggingFormatter.Name)
                .AddConsoleFormatter<CloudLoggingFormatter, ConsoleFormatterOptions>();
        }
        else
        {
            builder.Logging.AddConsole(o => o.FormatterName = TextLogFormatter.Name)
                .AddConsoleFormatter<TextLogFormatter, ConsoleFormatterOptions>();
        }
        return builder;
    }

    /// <summary>The access log (outermost, so it sees every answer) comes first; authentication after CORS.</summary>
    public static IApplicationBuilder UseAccessLog(this IApplicationBuilder app) => app.UseMiddleware<AccessLog>();

    /// <summary>Who is calling (<see cref="ApiKeyAuthentication"/>), whether the route allows it (<see cref="GatewayPolicies"/>),
    /// then the caller's limits (<see cref="Admission"/>). After CORS, so a preflight needs no key.</summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app) =>
        app.UseAuthentication().UseAuthorization().UseMiddleware<Admission>();
}
