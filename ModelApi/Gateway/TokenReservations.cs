namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Reserve before the work: a request of a virtual key with a tpm_limit or token_budget holds, before it is queued,
/// its prompt tokens plus the most it may generate. A request that does not fit is refused (429) before any work;
/// <see cref="Admission"/> settles the reservation to the real usage when the request ends.
/// </summary>
public sealed class TokenReservations(KeyDatabase database, TimeProvider time, ILogger<TokenReservations> logger)
{
    /// <summary>Whether the caller's requests reserve at all (a virtual key with a tpm_limit, token_budget or max_budget).</summary>
    public static bool Applies(HttpContext http) => Caller.Of(http) is { IsVirtualKey: true } c && ((c.TpmLimit ?? c.TokenBudget) is not null || c.MaxBudget is not null);

    /// <summary>
    /// Holds, before the work, what one request for <paramref name="model"/> may use: <paramref name="promptTokens"/> plus
    /// <paramref name="maxOutputTokens"/>, and what they cost at the model's costs. Null when held (or nothing needs
    /// holding); else the 429 (or 503) to answer with. The hold is settled to the real usage when the request ends
    /// (<see cref="Admission"/>; an upstream reports its usage with <see cref="RequestUsage.Used"/>).
    /// </summary>
    public async Task<IResult?> ReserveAsync(HttpContext http, Models.ServedModel model, long promptTokens, long maxOutputTokens)
    {
        if (!Applies(http) || Caller.Of(http) is not { } caller || RequestUsage.Of(http) is not { } usage) return null;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var tokens = promptTokens + maxOutputTokens;
        var cost = model.Costs.Of(promptTokens, maxOutputTokens);
        try
        {
            var (reservation, refusal) = await database.Store!.ReserveAsync(caller.KeyId!, caller.TpmLimit, caller.TokenBudget, tokens, now, caller.MaxBudget, cost);
            database.Answered();
            if (reservation is not null)
            {
                usage.Hold(reservation);
                return null;
            }
            var no = Limits.NoRoom(http, refusal!, tokens, now, cost);
            usage.Rejected(no.Code);
            return no.Result;
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e))
        {
            database.Failed(e);
            logger.LogError("Key database unavailable: {Reason}", database.Problem);
            usage.Rejected(Contracts.ProblemCodes.DatabaseUnavailable);
            return ModelUnavailable.Database(http, database.Problem);
        }
    }
    /// <summary>
    /// Gives back what this request holds, before it reserves anew for other work (an upstream's fallback to a local
    /// model): one request never holds twice, and nothing stays held until it expires. When the database does not answer
    /// the reservation stays and is given back when it expires.
    /// </summary>
    public async Task ReleaseAsync(HttpContext http)
    {
        if (Caller.Of(http) is not { IsVirtualKey: true } caller || RequestUsage.Of(http) is not { Reservation: { } held } usage) return;
        try
        {
            await database.Store!.ReleaseAsync(caller.KeyId!, held);
            database.Answered();
            usage.Released();
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e))
        {
            database.Failed(e);
            logger.LogError("Reservation of {KeyId} not given back: {Reason}", caller.KeyId, database.Problem);
        }
    }
}
