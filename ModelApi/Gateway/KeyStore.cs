using System.Data.Common;
using Dapper;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Keys, usage and the per-minute limit counters, in SQLite or PostgreSQL. Both understand the same
/// SQL here (including INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING, which makes admission one
/// atomic statement however many instances share the database), so only opening a connection and
/// serialising migrations differ (<see cref="SqliteKeyStore"/>, <see cref="PostgresKeyStore"/>).
/// </summary>
public abstract class KeyStore
{
    static KeyStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>"sqlite" or "postgresql", for logs and README figures.</summary>
    public abstract string Kind { get; }

    protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>Runs inside the migration transaction first, so two instances starting together migrate once.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction) => Task.CompletedTask;

    /// <summary>Creates or upgrades the schema; each step runs once, recorded in schema_migrations.</summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await LockForMigrationAsync(connection, transaction);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)", transaction: transaction);
        var done = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations", transaction: transaction)).ToHashSet();
        foreach (var (version, sql) in KeyStoreSchema.Migrations.Where(m => !done.Contains(m.Version)))
        {
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied) VALUES (@version, @now)",
                new { version, now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }, transaction);
        }
        await transaction.CommitAsync(ct);
    }

    public async Task InsertAsync(KeyRow key)
    {
        await using var c = await OpenAsync(default);
        await c.ExecuteAsync("""
            INSERT INTO keys (key_id, key_hash, key_alias, created, expires, blocked, rpm_limit, tpm_limit, token_budget, models, metadata)
            VALUES (@KeyId, @KeyHash, @KeyAlias, @Created, @Expires, @Blocked, @RpmLimit, @TpmLimit, @TokenBudget, @Models, @Metadata)
            """, key);
    }

    public async Task<KeyRow?> FindByHashAsync(string keyHash)
    {
        await using var c = await OpenAsync(default);
        return await c.QuerySingleOrDefaultAsync<KeyRow>("SELECT * FROM keys WHERE key_hash = @keyHash", new { keyHash });
    }

    public async Task<KeyRow?> FindByIdAsync(string keyId)
    {
        await using var c = await OpenAsync(default);
        return await c.QuerySingleOrDefaultAsync<KeyRow>("SELECT * FROM keys WHERE key_id = @keyId", new { keyId });
    }

    /// <summary>Whether a key other than <paramref name="ownKeyId"/> has this alias.</summary>
    public async Task<bool> AliasTakenAsync(string alias, string? ownKeyId)
    {
        await using var c = await OpenAsync(default);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM keys WHERE key_alias = @alias AND key_id <> @own", new { alias, own = ownKeyId ?? "" }) > 0;
    }

    public async Task<IReadOnlyList<KeyRow>> ListAsync()
    {
        await using var c = await OpenAsync(default);
        return [.. await c.QueryAsync<KeyRow>("SELECT * FROM keys ORDER BY created, key_id")];
    }

    /// <summary>Writes the settings a key's owner may change (never its usage, which requests add to).</summary>
    public async Task UpdateSettingsAsync(KeyRow key)
    {
        await using var c = await OpenAsync(default);
        await c.ExecuteAsync("""
            UPDATE keys SET key_alias = @KeyAlias, expires = @Expires, blocked = @Blocked, rpm_limit = @RpmLimit,
                tpm_limit = @TpmLimit, token_budget = @TokenBudget, models = @Models, metadata = @Metadata
            WHERE key_id = @KeyId
            """, key);
    }

    public async Task<IReadOnlyList<KeyRow>> DeleteAsync(IReadOnlyList<string> keyIds)
    {
        await using var c = await OpenAsync(default);
        var deleted = new List<KeyRow>();
        foreach (var keyId in keyIds)
            deleted.AddRange(await c.QueryAsync<KeyRow>("DELETE FROM keys WHERE key_id = @keyId RETURNING *", new { keyId }));
        return deleted;
    }

    /// <summary>Counts one request into <paramref name="subject"/>'s current minute (before any limit is checked,
    /// so rejected and failing requests count too) and returns the minute's counts and the key's spend.</summary>
    public async Task<WindowCount> AdmitAsync(string subject, RateWindow window)
    {
        await using var c = await OpenAsync(default);
        return await c.QuerySingleAsync<WindowCount>("""
            INSERT INTO rate_windows (subject, window_start, requests, tokens) VALUES (@subject, @start, 1, 0)
            ON CONFLICT (subject, window_start) DO UPDATE SET requests = rate_windows.requests + 1
            RETURNING requests, tokens, (SELECT prompt_tokens + completion_tokens FROM keys WHERE key_id = @subject) AS spend
            """, new { subject, start = window.Start });
    }

    /// <summary>Adds a finished request to its key's usage and its tokens to the current minute (for tpm_limit).</summary>
    public async Task ChargeAsync(string keyId, int promptTokens, int completionTokens)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await using var c = await OpenAsync(default);
        await using var transaction = await c.BeginTransactionAsync();
        await c.ExecuteAsync("""
            UPDATE keys SET requests = requests + 1, prompt_tokens = prompt_tokens + @promptTokens,
                completion_tokens = completion_tokens + @completionTokens, last_used = @now
            WHERE key_id = @keyId;
            INSERT INTO rate_windows (subject, window_start, requests, tokens) VALUES (@keyId, @start, 0, @tokens)
            ON CONFLICT (subject, window_start) DO UPDATE SET tokens = rate_windows.tokens + @tokens;
            """, new { keyId, promptTokens = (long)promptTokens, completionTokens = (long)completionTokens, now,
                start = RateWindow.At(now).Start, tokens = (long)promptTokens + completionTokens }, transaction);
        await transaction.CommitAsync();
    }

    /// <summary>Drops minutes that no limit looks at any more.</summary>
    public async Task ForgetOldWindowsAsync(CancellationToken ct)
    {
        await using var c = await OpenAsync(ct);
        await c.ExecuteAsync("DELETE FROM rate_windows WHERE window_start < @before", new { before = RateWindow.Now().Start - RateWindow.Seconds });
    }
}
