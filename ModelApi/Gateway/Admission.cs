using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Authorization;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// After authorization, for every route that needs a caller: counts the request into its minute (a virtual key's
/// rpm_limit, or RATE_LIMIT_RPM per address for callers without one; rejected and failing requests count too) and turns it
/// away while the key's minute or budget is already used up. When the request ends, however it ends (done, cancelled,
/// failed, or stopped by SIGTERM), a virtual key is charged what it really used and its reservation is given back.
/// </summary>
public sealed class Admission(RequestDelegate next, ModelApiSettings settings, KeyDatabase database, TimeProvider time, ILogger<Admission> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (Caller.Of(http) is not { } caller || http.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(http);
            return;
        }
        var usage = RequestUsage.Of(http);
        IResult? refusal;
        var span = Telemetry.ModelApiTelemetry.Source.StartActivity("limits");
        try
        {
            refusal = await AdmitAsync(http, caller);
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e) && database.Store is not null)
        {
            database.Failed(e);
            logger.LogError("Key database unavailable: {Reason}", database.Problem);
            usage?.Rejected(ProblemCodes.DatabaseUnavailable);
            await ModelUnavailable.Database(http, database.Problem).ExecuteAsync(http);
            return;
        }
        finally
        {
            span?.Dispose(); // the rest of the request is not the limits' time
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
            if (caller.IsVirtualKey && usage is not null) await SettleAsync(caller, usage);
        }
    }

    /// <summary>Null when the request may go on; else the 429.</summary>
    async Task<IResult?> AdmitAsync(HttpContext http, Caller caller)
    {
        string? subject = caller.IsVirtualKey
            ? (caller.RpmLimit ?? caller.TpmLimit ?? caller.TokenBudget) is null && caller.MaxBudget is null ? null : caller.KeyId
            : settings.RateLimitRpm is not null && caller.Role != KeyRoles.Master ? "ip:" + caller.Address : null;
        if (subject is null) return null;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var window = RateWindow.At(now);
        var count = await database.Store!.AdmitAsync(subject, window);
        database.Answered();
        if (Limits.Check(http, caller, settings.RateLimitRpm, count, window, now) is not { } refusal) return null;
        RequestUsage.Of(http)?.Rejected(refusal.Code);
        return refusal.Result;
    }

    async Task SettleAsync(Caller caller, RequestUsage usage)
    {
        var (prompt, completion, _, _) = usage.Usage();
        var windowTokens = caller.TpmLimit is null ? 0 : prompt + completion + usage.TokenizedTokens;
        try
        {
            await database.Store!.SettleAsync(caller.KeyId!, prompt, completion, windowTokens, usage.Reservation, time.GetUtcNow().ToUnixTimeSeconds(),
                usage.UsedModel, usage.Costs.Of(prompt, completion));
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e))
        {
            // The answer is already sent; the reservation is given back when it expires.
            database.Failed(e);
            logger.LogError("Usage of {KeyId} ({Prompt}+{Completion} tokens) not recorded: {Reason}", caller.KeyId, prompt, completion, database.Problem);
        }
    }
}
