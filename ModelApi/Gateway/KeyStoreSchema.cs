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
        // Spend in currency (LiteLLM's max_budget and spend, charged at the models' model_info costs), reserved before
        // the work like tokens (keys.reserved_spend, reservations.budget_spend), and usage per key and model.
        (3, """
            ALTER TABLE keys ADD COLUMN max_budget DOUBLE PRECISION;
            ALTER TABLE keys ADD COLUMN spend DOUBLE PRECISION NOT NULL DEFAULT 0;
            ALTER TABLE keys ADD COLUMN reserved_spend DOUBLE PRECISION NOT NULL DEFAULT 0;
            ALTER TABLE reservations ADD COLUMN budget_spend DOUBLE PRECISION NOT NULL DEFAULT 0;
            CREATE TABLE key_model_usage (
                key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                requests BIGINT NOT NULL DEFAULT 0,
                prompt_tokens BIGINT NOT NULL DEFAULT 0,
                completion_tokens BIGINT NOT NULL DEFAULT 0,
                spend DOUBLE PRECISION NOT NULL DEFAULT 0,
                PRIMARY KEY (key_id, model)
            );
            """),
        // One key per alias, held by the database (a check before the insert let two requests at once both take one).
        // Keys that already share an alias keep it on the oldest key id; the others get their key id appended.
        (4, """
            UPDATE keys SET key_alias = key_alias || ' (' || key_id || ')'
            WHERE key_alias IS NOT NULL AND key_id <> (SELECT MIN(k.key_id) FROM keys k WHERE k.key_alias = keys.key_alias);
            CREATE UNIQUE INDEX keys_alias ON keys (key_alias);
            """),
    ];
}
