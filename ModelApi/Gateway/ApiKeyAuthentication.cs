using System.Globalization;
using System.Text.Encodings.Web;
using CustomGpt.ModelApi.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Who is calling, from the key the request carries (X-API-Key or Authorization: Bearer): with MASTER_KEY set, the master key
/// or a valid virtual key; without it, API_KEY; with neither, everyone is "open". METRICS_TOKEN, when set, is a scraper's key
/// for /metrics only. Produces a <see cref="Caller"/> and its ClaimsPrincipal; route policies (<see cref="GatewayPolicies"/>)
/// decide what each role may call. Wrong keys are counted per client address (<see cref="FailedKeyChecks"/>); past the limit
/// every key from that address is refused for the rest of the minute. The database not answering is a 503, never "let it through".
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder,
    GatewaySecrets secrets, KeyDatabase database, VerifiedKeys keys, FailedKeyChecks failures, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Why a request was not let in; the challenge answers with it.</summary>
    sealed class Refusal(int status, string code, string detail, int? retryAfterSeconds = null) : Exception(detail)
    {
        public int Status => status;
        public string Code => code;
        public int? RetryAfterSeconds => retryAfterSeconds;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        using var span = Telemetry.ModelApiTelemetry.Source.StartActivity("key check");
        var address = ClientAddress.Of(Context);
        if (!secrets.AnyKey) return Admit(new Caller(KeyRoles.Open, address));
        var presented = ApiKeyCheck.Presented(Request);
        if (presented is null)
            return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.KeyMissing, $"Send the key in the '{ApiKeyCheck.HeaderName}' header or as 'Authorization: Bearer <key>'.");
        try
        {
            if (await failures.RetryAfterAsync(address) is { } wait)
                return Refuse(StatusCodes.Status429TooManyRequests, ProblemCodes.TooManyFailedKeys,
                    $"Too many wrong keys from this address ({FailedKeyChecks.PerMinute} a minute); every key is refused until the minute ends (Retry-After).", wait);
            if (secrets.IsMaster(presented)) return Admit(new Caller(KeyRoles.Master, address));
            if (secrets.IsApiKey(presented)) return Admit(new Caller(KeyRoles.ApiKey, address));
            if (secrets.IsMetricsToken(presented)) return Admit(new Caller(KeyRoles.Metrics, address));
            var key = secrets.HasMasterKey && KeySecret.LooksLikeSecret(presented) ? await keys.FindAsync(presented) : null;
            if (key is null)
            {
                await failures.CountAsync(address);
                return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.KeyUnknown, "The key is not valid: it is wrong or has been deleted.");
            }
            if (key.Blocked != 0) return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.KeyBlocked, $"The key {key.KeyId} is blocked.");
            if (key.IsExpired(time.GetUtcNow().ToUnixTimeSeconds()))
                return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.KeyExpired, $"The key {key.KeyId} expired at {DateTimeOffset.FromUnixTimeSeconds(key.Expires!.Value):u}.");
            return Admit(Caller.For(key, address));
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e) && database.Store is not null)
        {
            database.Failed(e);
            Logger.LogError("Key database unavailable: {Reason}", database.Problem);
            return Refuse(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DatabaseUnavailable, database.Problem ?? "See GET /health.", 5);
        }
    }

    AuthenticateResult Admit(Caller caller)
    {
        Context.Features.Set(caller);
        return AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));
    }

    static AuthenticateResult Refuse(int status, string code, string detail, int? retryAfterSeconds = null) =>
        AuthenticateResult.Fail(new Refusal(status, code, detail, retryAfterSeconds));

    /// <summary>A route that needs a caller, and there is none: 401 (or 429, 503) with the reason's problem code.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = (await HandleAuthenticateOnceSafeAsync()).Failure as Refusal
            ?? new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.KeyMissing, "A key is required.");
        if (refusal.Status == StatusCodes.Status401Unauthorized) Response.Headers.WWWAuthenticate = "Bearer";
        if (refusal.RetryAfterSeconds is { } seconds) Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var title = refusal.Status switch { 429 => "Too many requests.", 503 => "The key database is unavailable.", _ => "Unauthorized" };
        await Answer(refusal.Status, refusal.Code, title, refusal.Message);
    }

    /// <summary>A caller whose role the route does not allow: 403 naming what the route needs.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var metrics = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == GatewayPolicies.Metrics) == true;
        return Answer(StatusCodes.Status403Forbidden, ProblemCodes.MasterKeyRequired, "Forbidden",
            metrics ? "GET /metrics needs the master key (MASTER_KEY), the API_KEY, or METRICS_TOKEN."
            : Caller.Of(Context)?.Role == KeyRoles.Metrics ? "METRICS_TOKEN may read GET /metrics only."
            : "Only the master key (MASTER_KEY) may manage keys.");
    }

    Task Answer(int status, string code, string title, string detail)
    {
        RequestUsage.Of(Context)?.Rejected(code);
        return CodedProblem.Of(status, code, title, detail).ExecuteAsync(Context);
    }
}
