using System.Globalization;
using CustomGpt.ModelApi.Apis;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// rpm_limit, tpm_limit and token_budget of a key (or RATE_LIMIT_RPM of a client address), checked
/// against the counts <see cref="KeyStore.AdmitAsync"/> returned. Tokens are charged after a request
/// completes, so a request is admitted while the minute's tokens (or the key's spend) are below the
/// limit, and the one that crosses it is the last one let in.
/// </summary>
static class Limits
{
    /// <summary>A 429 and its problem code.</summary>
    public sealed record Refusal(IResult Result, string Code);

    /// <summary>Sets the RateLimit-* headers (draft IETF names) and returns a 429 when a limit is reached.</summary>
    public static Refusal? Check(HttpContext http, KeyRow? key, int? addressRpm, WindowCount count, RateWindow window)
    {
        var rpm = key is null ? addressRpm : key.RpmLimit;
        if (rpm is { } requests)
        {
            Headers(http, requests, requests - count.Requests, window.SecondsLeft);
            if (count.Requests > requests)
                return TooMany(http, window, ProblemCodes.RateLimited, $"This {(key is null ? "address" : "key")} may make {requests} requests a minute.");
        }
        if (key?.TpmLimit is { } tpm && count.Tokens >= tpm)
        {
            Headers(http, tpm, 0, window.SecondsLeft);
            return TooMany(http, window, ProblemCodes.RateLimited, $"This key may use {tpm} tokens a minute and has used {count.Tokens}.");
        }
        var spent = count.Spend ?? key?.SpendTokens ?? 0;
        if (key?.TokenBudget is { } budget && spent >= budget)
        {
            // A budget never resets by itself, so there is no Reset and no Retry-After: retrying will not help.
            Headers(http, budget, 0, reset: null);
            return new(CodedProblem.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExceeded, "Token budget spent.",
                $"This key's token_budget of {budget} tokens is spent ({spent} used); the operator can raise it with POST /key/update."), ProblemCodes.BudgetExceeded);
        }
        return null;
    }

    static Refusal TooMany(HttpContext http, RateWindow window, string code, string detail)
    {
        http.Response.Headers.RetryAfter = window.SecondsLeft.ToString(CultureInfo.InvariantCulture);
        return new(CodedProblem.Of(StatusCodes.Status429TooManyRequests, code, "Too many requests.", detail + " Retry after the minute ends (Retry-After)."), code);
    }

    static void Headers(HttpContext http, long limit, long remaining, int? reset)
    {
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        if (reset is { } seconds) headers["RateLimit-Reset"] = seconds.ToString(CultureInfo.InvariantCulture);
    }
}
