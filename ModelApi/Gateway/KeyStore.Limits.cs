using System.Data.Common;
using CustomGpt.ModelApi.Contracts;
using Dapper;

namespace CustomGpt.ModelApi.Gateway;

// What requests use: the per-minute counters (keys, addresses, wrong keys), the reservations held before the work and
// settled after it. The keys themselves and the schema are in KeyStore.cs.
public abstract partial class KeyStore
{
    /// <summary>Counts one request into <paramref name="subject"/>'s current minute (before any limit is checked,
    /// so rejected and failing requests count too) and returns the minute's counts and the key's spend.</summary>
    public async Task<WindowCount> AdmitAsync(string subject, RateWindow window)
    {
        await using var c = await OpenAsync(default);
        return await c.QuerySingleAsync<WindowCount>("""
            INSERT INTO rate_windows (subject, window_start, requests, tokens) VALUES (@subject, @start, 1, 0)
            ON CONFLICT (subject, window_start) DO UPDATE SET requests = rate_windows.requests + 1
            RETURNING requests, tokens, (SELECT prompt_tokens + completion_tokens FROM keys WHERE key_id = @subject) AS spend,
                (SELECT spend FROM keys WHERE key_id = @subject) AS money
            """, new { subject, start = window.Start });
    }

    /// <summary>
    /// Holds <paramref name="tokens"/> for one request before it runs, in one transaction: in the key's current minute
    /// when it has a tpm_limit, against its token_budget when it has one. Each part succeeds only while what is
    /// used and held stays within the limit, so requests racing on any number of instances never hold more than fits.
    /// Returns the reservation, or which limit had no room. With <paramref name="maxBudget"/>, <paramref name="cost"/> (what the
    /// tokens may cost) is held against the key's max_budget the same way.
    /// </summary>
    public async Task<(Reservation? Reservation, ReservationRefusal? Refusal)> ReserveAsync(string keyId, long? tpmLimit, long? tokenBudget,
        long tokens, long now, double? maxBudget = null, double cost = 0)
    {
        var window = RateWindow.At(now);
        if (tpmLimit is { } tpm && tokens > tpm) return (null, new(ProblemCodes.TpmExceeded, tpm, 0));
        if (tokenBudget is { } budget && tokens > budget) return (null, new(ProblemCodes.BudgetExceeded, budget, 0));
        if (maxBudget is { } most && cost > most) return (null, new(ProblemCodes.BudgetExceeded, 0, 0, new SpendRefusal(most, 0)));
        var reservation = new Reservation(Guid.NewGuid().ToString("N"), keyId, tokenBudget is null ? 0 : tokens, tpmLimit is null ? 0 : tokens, window.Start,
            maxBudget is null ? 0 : cost);
        await using var c = await OpenAsync(default);
        await using var transaction = await c.BeginTransactionAsync();
        if (tpmLimit is { } limit)
        {
            var inWindow = await c.QuerySingleOrDefaultAsync<long?>("""
                INSERT INTO rate_windows (subject, window_start, requests, tokens) VALUES (@keyId, @start, 0, @tokens)
                ON CONFLICT (subject, window_start) DO UPDATE SET tokens = rate_windows.tokens + @tokens
                WHERE rate_windows.tokens + @tokens <= @limit
                RETURNING tokens
                """, new { keyId, start = window.Start, tokens, limit }, transaction);
            if (inWindow is null)
            {
                await transaction.RollbackAsync();
                var used = await c.QuerySingleOrDefaultAsync<long?>("SELECT tokens FROM rate_windows WHERE subject = @keyId AND window_start = @start",
                    new { keyId, start = window.Start });
                return (null, new(ProblemCodes.TpmExceeded, limit, used ?? 0));
            }
        }
        if (tokenBudget is not null)
        {
            var held = await c.QuerySingleOrDefaultAsync<long?>("""
                UPDATE keys SET reserved_tokens = reserved_tokens + @tokens
                WHERE key_id = @keyId AND (token_budget IS NULL OR prompt_tokens + completion_tokens + reserved_tokens + @tokens <= token_budget)
                RETURNING reserved_tokens
                """, new { keyId, tokens }, transaction);
            if (held is null)
            {
                await transaction.RollbackAsync();
                var row = await c.QuerySingleOrDefaultAsync<KeyRow>("SELECT * FROM keys WHERE key_id = @keyId", new { keyId });
                return (null, new(ProblemCodes.BudgetExceeded, row?.TokenBudget ?? tokenBudget.Value, (row?.SpendTokens ?? 0) + (row?.ReservedTokens ?? 0)));
            }
        }
        if (maxBudget is not null)
        {
            // Read from the row, not the caller's copy: a /key/update on any instance applies at once.
            var held = await c.QuerySingleOrDefaultAsync<double?>("""
                UPDATE keys SET reserved_spend = reserved_spend + @cost
                WHERE key_id = @keyId AND (max_budget IS NULL OR spend + reserved_spend + @cost <= max_budget)
                RETURNING reserved_spend
                """, new { keyId, cost }, transaction);
            if (held is null)
            {
                await transaction.RollbackAsync();
                var row = await c.QuerySingleOrDefaultAsync<KeyRow>("SELECT * FROM keys WHERE key_id = @keyId", new { keyId });
                return (null, new(ProblemCodes.BudgetExceeded, 0, 0, new SpendRefusal(row?.MaxBudget ?? maxBudget.Value, (row?.Spend ?? 0) + (row?.ReservedSpend ?? 0))));
            }
        }
        await c.ExecuteAsync("""
            INSERT INTO reservations (reservation_id, key_id, budget_tokens, window_tokens, window_start, expires, budget_spend)
            VALUES (@Id, @KeyId, @BudgetTokens, @WindowTokens, @WindowStart, @expires, @BudgetSpend)
            """, new { reservation.Id, reservation.KeyId, reservation.BudgetTokens, reservation.WindowTokens, reservation.WindowStart,
                expires = now + (long)Reservation.Lifetime.TotalSeconds, reservation.BudgetSpend }, transaction);
        await transaction.CommitAsync();
        return (reservation, null);
    }

    /// <summary>
    /// Ends one request of a key: adds what it really used to the key's usage, gives back what its reservation held
    /// beyond that (budget and minute alike), and counts <paramref name="windowTokens"/> against the tpm_limit (in the
    /// reserved minute, else the current one). A reservation that already expired gives nothing back twice.
    /// <paramref name="spend"/> (what the tokens cost) is added to the key's spend, and the usage to <paramref name="model"/>'s row.
    /// </summary>
    public async Task SettleAsync(string keyId, long promptTokens, long completionTokens, long windowTokens, Reservation? reservation, long now,
        string? model = null, double spend = 0)
    {
        await using var c = await OpenAsync(default);
        await using var transaction = await c.BeginTransactionAsync();
        var id = reservation?.Id ?? "";
        await c.ExecuteAsync("""
            UPDATE keys SET requests = requests + 1, prompt_tokens = prompt_tokens + @promptTokens,
                completion_tokens = completion_tokens + @completionTokens, last_used = @now,
                reserved_tokens = reserved_tokens - COALESCE((SELECT budget_tokens FROM reservations WHERE reservation_id = @id), 0),
                spend = spend + @spend,
                reserved_spend = reserved_spend - COALESCE((SELECT budget_spend FROM reservations WHERE reservation_id = @id), 0)
            WHERE key_id = @keyId;
            UPDATE rate_windows SET tokens = tokens + @windowTokens - (SELECT window_tokens FROM reservations WHERE reservation_id = @id)
            WHERE subject = @keyId AND window_start = (SELECT window_start FROM reservations WHERE reservation_id = @id AND window_tokens > 0);
            DELETE FROM reservations WHERE reservation_id = @id;
            """, new { keyId, promptTokens, completionTokens, now, id, windowTokens, spend }, transaction);
        if (model is not null)
        {
            await c.ExecuteAsync("""
                INSERT INTO key_model_usage (key_id, model, requests, prompt_tokens, completion_tokens, spend)
                VALUES (@keyId, @model, 1, @promptTokens, @completionTokens, @spend)
                ON CONFLICT (key_id, model) DO UPDATE SET requests = key_model_usage.requests + 1,
                    prompt_tokens = key_model_usage.prompt_tokens + @promptTokens,
                    completion_tokens = key_model_usage.completion_tokens + @completionTokens, spend = key_model_usage.spend + @spend
                """, new { keyId, model, promptTokens, completionTokens, spend }, transaction);
        }
        if (reservation is not { WindowTokens: > 0 } && windowTokens > 0)
        {
            await c.ExecuteAsync("""
                INSERT INTO rate_windows (subject, window_start, requests, tokens) VALUES (@keyId, @start, 0, @windowTokens)
                ON CONFLICT (subject, window_start) DO UPDATE SET tokens = rate_windows.tokens + @windowTokens
                """, new { keyId, start = RateWindow.At(now).Start, windowTokens }, transaction);
        }
        await transaction.CommitAsync();
    }

    /// <summary>
    /// Gives back at once what one reservation holds (budget, spend and minute alike) without charging anything: a request
    /// that moves its work elsewhere (an upstream falling back to a local model, which reserves anew) lets go of the first.
    /// </summary>
    public async Task ReleaseAsync(string keyId, Reservation reservation)
    {
        await using var c = await OpenAsync(default);
        await using var transaction = await c.BeginTransactionAsync();
        await c.ExecuteAsync("""
            UPDATE keys SET reserved_tokens = reserved_tokens - COALESCE((SELECT budget_tokens FROM reservations WHERE reservation_id = @id), 0),
                reserved_spend = reserved_spend - COALESCE((SELECT budget_spend FROM reservations WHERE reservation_id = @id), 0)
            WHERE key_id = @keyId;
            UPDATE rate_windows SET tokens = tokens - (SELECT window_tokens FROM reservations WHERE reservation_id = @id)
            WHERE subject = @keyId AND window_start = (SELECT window_start FROM reservations WHERE reservation_id = @id AND window_tokens > 0);
            DELETE FROM reservations WHERE reservation_id = @id;
            """, new { keyId, id = reservation.Id }, transaction);
        await transaction.CommitAsync();
    }

    /// <summary>Gives back what requests of a stopped (or killed) instance still hold, once their reservations expire.</summary>
    public async Task<int> ReleaseExpiredAsync(long now, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await using var transaction = await c.BeginTransactionAsync(ct);
        await c.ExecuteAsync("""
            UPDATE keys SET reserved_tokens = reserved_tokens
                - (SELECT COALESCE(SUM(budget_tokens), 0) FROM reservations r WHERE r.key_id = keys.key_id AND r.expires <= @now),
                reserved_spend = reserved_spend
                - (SELECT COALESCE(SUM(budget_spend), 0) FROM reservations r WHERE r.key_id = keys.key_id AND r.expires <= @now)
            WHERE key_id IN (SELECT key_id FROM reservations WHERE expires <= @now)
            """, new { now }, transaction);
        var released = await c.ExecuteAsync("DELETE FROM reservations WHERE expires <= @now", new { now }, transaction);
        await transaction.CommitAsync(ct);
        return released;
    }

    /// <summary>Counts one wrong key from <paramref name="address"/> into its minute; returns the minute's count.</summary>
    public async Task<long> CountFailedKeyAsync(string address, RateWindow window) =>
        (await AdmitAsync(FailedKeySubject(address), window)).Requests; // the same per-minute count, under a subject of its own

    /// <summary>Wrong keys from <paramref name="address"/> in this minute so far.</summary>
    public async Task<long> FailedKeysAsync(string address, RateWindow window)
    {
        await using var c = await OpenAsync(default);
        return await c.QuerySingleOrDefaultAsync<long?>("SELECT requests FROM rate_windows WHERE subject = @subject AND window_start = @start",
            new { subject = FailedKeySubject(address), start = window.Start }) ?? 0;
    }

    static string FailedKeySubject(string address) => "failed-key:" + address;

    /// <summary>Drops minutes that no limit looks at any more.</summary>
    public async Task ForgetOldWindowsAsync(long now, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await c.ExecuteAsync("DELETE FROM rate_windows WHERE window_start < @before", new { before = RateWindow.At(now).Start - RateWindow.Seconds });
    }
}
