using CustomGpt.ModelApi.Apis;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// The one authentication step, before every route but /health:
/// with MASTER_KEY set, the master key or a valid virtual key (then its limits); without it, API_KEY
/// as before; with neither, open. Callers without a virtual key meet RATE_LIMIT_RPM per address.
/// A virtual key's usage is charged when its request ends, whatever the outcome.
/// The database not answering means 503, never "let it through".
/// </summary>
public sealed class Authentication(RequestDelegate next, ModelApiSettings settings, KeyDatabase database, VerifiedKeys keys,
    ILogger<Authentication> logger)
{
    readonly byte[]? masterDigest = settings.MasterKey is { } master ? ApiKeyCheck.Digest(master) : null;
    readonly byte[]? apiKeyDigest = settings.ApiKey is { } apiKey ? ApiKeyCheck.Digest(apiKey) : null;

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase))
        {
            await next(http);
            return;
        }
        var record = CallRecord.Of(http) ?? new CallRecord(http.TraceIdentifier);
        KeyRow? key;
        IResult? refusal;
        try
        {
            (key, refusal) = await IdentifyAsync(http, record);
            refusal ??= await AdmitAsync(http, record, key);
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e) && database.Store is not null)
        {
            database.Failed(e);
            logger.LogError("Key database unavailable: {Reason}", database.Problem);
            record.Rejection = ProblemCodes.DatabaseUnavailable;
            await ModelUnavailable.Database(http, database.Problem).ExecuteAsync(http);
            return;
        }
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        try
        {
            await next(http);
        }
        finally
        {
            if (key is not null) await ChargeAsync(record, key);
        }
    }

    /// <summary>Who is calling: (null, null) for the master key or an open/simple-mode caller, the key when it is valid, or a 401.</summary>
    async Task<(KeyRow? Key, IResult? Refusal)> IdentifyAsync(HttpContext http, CallRecord record)
    {
        var presented = ApiKeyCheck.Presented(http.Request);
        if (masterDigest is null)
        {
            if (apiKeyDigest is null || ApiKeyCheck.Matches(presented, apiKeyDigest)) return (null, null);
            return (null, Unauthorized(http, record, presented is null ? ProblemCodes.KeyMissing : ProblemCodes.KeyUnknown,
                $"Send the API key in the '{ApiKeyCheck.HeaderName}' header or as 'Authorization: Bearer <key>'."));
        }
        if (presented is null)
            return (null, Unauthorized(http, record, ProblemCodes.KeyMissing,
                $"Send a key in the '{ApiKeyCheck.HeaderName}' header or as 'Authorization: Bearer <key>'."));
        if (ApiKeyCheck.Matches(presented, masterDigest))
        {
            (record.IsMaster, record.Caller) = (true, "master");
            return (null, null);
        }
        var key = KeySecret.LooksLikeSecret(presented) ? await keys.FindAsync(presented) : null;
        if (key is null) return (null, Unauthorized(http, record, ProblemCodes.KeyUnknown, "The key is not valid: it is wrong or has been deleted."));
        (record.KeyId, record.Caller, record.AllowedModels) = (key.KeyId, key.DisplayName, ModelAccess.AllowedBy(key));
        if (key.Blocked != 0) return (null, Unauthorized(http, record, ProblemCodes.KeyBlocked, $"The key {key.KeyId} is blocked."));
        if (key.IsExpired(DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
            return (null, Unauthorized(http, record, ProblemCodes.KeyExpired, $"The key {key.KeyId} expired at {DateTimeOffset.FromUnixTimeSeconds(key.Expires!.Value):u}."));
        return (key, null);
    }

    /// <summary>Counts the request into its minute (rejected ones too) and checks the limits; null when it may go on.</summary>
    async Task<IResult?> AdmitAsync(HttpContext http, CallRecord record, KeyRow? key)
    {
        string? subject = key is not null
            ? (key.RpmLimit ?? key.TpmLimit ?? key.TokenBudget) is null ? null : key.KeyId
            : settings.RateLimitRpm is not null && !record.IsMaster ? "ip:" + ClientAddress.Of(http) : null;
        if (subject is null) return null;
        var window = RateWindow.Now();
        var count = await database.Store!.AdmitAsync(subject, window);
        database.Answered();
        if (Limits.Check(http, key, settings.RateLimitRpm, count, window) is not { } refusal) return null;
        record.Rejection = refusal.Code;
        return refusal.Result;
    }

    async Task ChargeAsync(CallRecord record, KeyRow key)
    {
        var (prompt, completion, _, _) = record.Usage();
        try
        {
            await database.Store!.ChargeAsync(key.KeyId, prompt, completion);
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e))
        {
            // The answer is already sent; all that can be done is say so.
            database.Failed(e);
            logger.LogError("Usage of {KeyId} ({Prompt}+{Completion} tokens) not recorded: {Reason}", key.KeyId, prompt, completion, database.Problem);
        }
    }

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(HttpContext http, CallRecord record, string code, string detail)
    {
        record.Rejection = code;
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return CodedProblem.Of(StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);
    }
}
