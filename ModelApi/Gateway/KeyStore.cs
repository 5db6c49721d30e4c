using System.Data.Common;
using CustomGpt.ModelApi.Contracts;
using Dapper;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Keys, usage and the per-minute limit counters, in SQLite or PostgreSQL. Both understand the same
/// SQL here (including INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING, which makes admission one
/// atomic statement however many instances share the database), so only opening a connection and
/// serialising migrations differ (<see cref="SqliteKeyStore"/>, <see cref="PostgresKeyStore"/>).
/// </summary>
public abstract partial class KeyStore
{
    static KeyStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>"sqlite" or "postgresql", for logs and README figures.</summary>
    public abstract string Kind { get; }

    protected abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>Runs inside the migration transaction first, so two instances starting together migrate once.</summary>
    protected virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction) => Task.CompletedTask;

    /// <summary>Creates or upgrades the schema; each step runs once, recorded in schema_migrations.</summary>
    public async Task MigrateAsync(long now, CancellationToken ct)
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
                new { version, now }, transaction);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>Whether a statement broke the one-key-per-alias index (keys_alias).</summary>
    protected abstract bool IsAliasTaken(DbException e);

    /// <summary>False when another key has the alias already: the database's unique index decides, so of two
    /// requests at once for one alias exactly one gets it.</summary>
    public async Task<bool> InsertAsync(KeyRow key)
    {
        await using var c = await OpenAsync(default);
        try
        {
            await c.ExecuteAsync("""
                INSERT INTO keys (key_id, key_hash, key_alias, created, expires, blocked, rpm_limit, tpm_limit, token_budget, models, metadata, max_budget)
                VALUES (@KeyId, @KeyHash, @KeyAlias, @Created, @Expires, @Blocked, @RpmLimit, @TpmLimit, @TokenBudget, @Models, @Metadata, @MaxBudget)
                """, key);
            return true;
        }
        catch (DbException e) when (IsAliasTaken(e))
        {
            return false;
        }
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

    public async Task<IReadOnlyList<KeyRow>> ListAsync()
    {
        await using var c = await OpenAsync(default);
        return [.. await c.QueryAsync<KeyRow>("SELECT * FROM keys ORDER BY created, key_id")];
    }

    /// <summary>Writes the settings a key's owner may change (never its usage, which requests add to); false, and
    /// nothing written, when another key has the alias.</summary>
    public async Task<bool> UpdateSettingsAsync(KeyRow key)
    {
        await using var c = await OpenAsync(default);
        try
        {
            await c.ExecuteAsync("""
                UPDATE keys SET key_alias = @KeyAlias, expires = @Expires, blocked = @Blocked, rpm_limit = @RpmLimit,
                    tpm_limit = @TpmLimit, token_budget = @TokenBudget, models = @Models, metadata = @Metadata, max_budget = @MaxBudget
                WHERE key_id = @KeyId
                """, key);
            return true;
        }
        catch (DbException e) when (IsAliasTaken(e))
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<KeyRow>> DeleteAsync(IReadOnlyList<string> keyIds)
    {
        await using var c = await OpenAsync(default);
        var deleted = new List<KeyRow>();
        foreach (var keyId in keyIds)
        {
            deleted.AddRange(await c.QueryAsync<KeyRow>("DELETE FROM keys WHERE key_id = @keyId RETURNING *", new { keyId }));
            await c.ExecuteAsync("DELETE FROM key_model_usage WHERE key_id = @keyId", new { keyId });
        }
        return deleted;
    }

    /// <summary>Usage per model of one key, or of every key when <paramref name="keyId"/> is null.</summary>
    public async Task<IReadOnlyList<ModelUsageRow>> ModelUsageAsync(string? keyId)
    {
        await using var c = await OpenAsync(default);
        return keyId is null
            ? [.. await c.QueryAsync<ModelUsageRow>("SELECT * FROM key_model_usage ORDER BY key_id, model")]
            : [.. await c.QueryAsync<ModelUsageRow>("SELECT * FROM key_model_usage WHERE key_id = @keyId ORDER BY model", new { keyId })];
    }
}
