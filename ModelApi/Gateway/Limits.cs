using System.Globalization;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// rpm_limit, tpm_limit and token_budget of a key (or RATE_LIMIT_RPM of a client address). At admission every route
/// is turned away while the key's minute or budget is already used up; a generation also reserves what it may use
/// before it starts (<see cref="TokenReservations"/>), so limits hold however many requests run at once.
/// </summary>
static class Limits
{
    /// <summary>A 429 and its problem code.</summary>
    public sealed record Refusal(IResult Result, string Code);

    /// <summary>Sets the RateLimit-* headers (draft IETF names) and returns a 429 when a limit is reached.</summary>
    public static Refusal? Check(HttpContext http, Caller caller, int? addressRpm, WindowCount count, RateWindow window, long now)
    {
        var rpm = caller.IsVirtualKey ? caller.RpmLimit : addressRpm;
        if (rpm is { } requests)
        {
            Headers(http, requests, requests - count.Requests, window.SecondsLeft(now));
            if (count.Requests > requests)
                return TooMany(http, window, now, ProblemCodes.RateLimited, $"This {(caller.IsVirtualKey ? "key" : "address")} may make {requests} requests a minute.");
        }
        if (!caller.IsVirtualKey) return null;
        if (caller.TpmLimit is { } tpm && count.Tokens >= tpm)
        {
            Headers(http, tpm, 0, window.SecondsLeft(now));
            return TooMany(http, window, now, ProblemCodes.TpmExceeded, $"This key may use {tpm} tokens a minute and has used {count.Tokens}.");
        }
        var spent = count.Spend ?? 0;
        if (caller.TokenBudget is { } budget && spent >= budget) return BudgetSpent(http, budget, $"({spent} used)");
        if (caller.MaxBudget is { } most && (count.Money ?? 0) >= most) return MaxBudgetSpent(http, most, $"({Money(count.Money ?? 0)} spent)");
        return null;
    }

    /// <summary>The 429 for a reservation that did not fit.</summary>
    public static Refusal NoRoom(HttpContext http, ReservationRefusal refusal, long tokens, long now, double cost = 0)
    {
        if (refusal.Spend is { } spend)
            return MaxBudgetSpent(http, spend.MaxBudget, $"(this request may cost {Money(cost)}; {Money(spend.SpentAndHeld)} is spent or held by running requests)");
        if (refusal.Code == ProblemCodes.BudgetExceeded)
            return BudgetSpent(http, refusal.Limit, $"(this request may use {tokens}; {refusal.Used} are used or held by running requests)");
        var window = RateWindow.At(now);
        Headers(http, refusal.Limit, refusal.Limit - refusal.Used, window.SecondsLeft(now));
        var detail = tokens > refusal.Limit
            ? $"This request may use {tokens} tokens (prompt and the most it may generate), more than this key's tpm_limit of {refusal.Limit}; ask for fewer."
            : $"This request may use {tokens} tokens; this key may use {refusal.Limit} a minute and {refusal.Used} are used or held.";
        return TooMany(http, window, now, ProblemCodes.TpmExceeded, detail);
    }

    static Refusal BudgetSpent(HttpContext http, long budget, string detail)
    {
        // A budget never resets by itself, so there is no Reset and no Retry-After: retrying will not help.
        Headers(http, budget, 0, reset: null);
        return new(CodedProblem.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExceeded, "Token budget spent.",
            $"This key's token_budget of {budget} tokens has no room {detail}; the operator can raise it with POST /key/update."), ProblemCodes.BudgetExceeded);
    }

    static Refusal MaxBudgetSpent(HttpContext http, double maxBudget, string detail) =>
        new(CodedProblem.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExceeded, "Budget spent.",
            $"This key's max_budget of {Money(maxBudget)} has no room {detail}; the operator can raise it with POST /key/update."), ProblemCodes.BudgetExceeded);

    static string Money(double amount) => amount.ToString("0.######", CultureInfo.InvariantCulture);

    static Refusal TooMany(HttpContext http, RateWindow window, long now, string code, string detail)
    {
        http.Response.Headers.RetryAfter = window.SecondsLeft(now).ToString(CultureInfo.InvariantCulture);
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
