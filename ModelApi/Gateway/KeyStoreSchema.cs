namespace CustomGpt.ModelApi.Gateway;

/// <summary>The schema, as numbered steps. Append a step to change it; never edit one that has shipped.
/// Types are ones SQLite and PostgreSQL both read the same way (times as Unix seconds, flags as 0/1).</summary>
static class KeyStoreSchema
{
    public static readonly (long Version, string Sql)[] Migrations =
    [
        (1, """
            CREATE TABLE keys (
                key_id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                key_alias TEXT,
                created BIGINT NOT NULL,
                expires BIGINT,
                blocked BIGINT NOT NULL DEFAULT 0,
                rpm_limit BIGINT,
                tpm_limit BIGINT,
                token_budget BIGINT,
                models TEXT,
                metadata TEXT,
                requests BIGINT NOT NULL DEFAULT 0,
                prompt_tokens BIGINT NOT NULL DEFAULT 0,
                completion_tokens BIGINT NOT NULL DEFAULT 0,
                last_used BIGINT
            );
            CREATE TABLE rate_windows (
                subject TEXT NOT NULL,
                window_start BIGINT NOT NULL,
                requests BIGINT NOT NULL,
                tokens BIGINT NOT NULL,
                PRIMARY KEY (subject, window_start)
            );
            """),
        // Reserve before the work: what running requests may still use is held against the budget
        // (keys.reserved_tokens) and recorded per request, so an instance that dies holding some gives them back
        // when they expire (KeyStore.ReleaseExpiredAsync).
        (2, """
            ALTER TABLE keys ADD COLUMN reserved_tokens BIGINT NOT NULL DEFAULT 0;
            CREATE TABLE reservations (
                reservation_id TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                budget_tokens BIGINT NOT NULL,
                window_tokens BIGINT NOT NULL,
                window_start BIGINT NOT NULL,
                expires BIGINT NOT NULL
            );
            CREATE INDEX reservations_expires ON reservations (expires);
            """),
    ];
}
