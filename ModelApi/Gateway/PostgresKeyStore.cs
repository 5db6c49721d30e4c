using System.Data.Common;
using Dapper;
using Npgsql;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>PostgreSQL (DATABASE_URL): what several instances share, so their limits add up.</summary>
public sealed class PostgresKeyStore(string connectionString) : KeyStore, IDisposable
{
    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    public override string Kind => "postgresql";

    protected override bool IsAliasTaken(DbException e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "keys_alias" };

    protected override async Task<DbConnection> OpenAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);

    // Any fixed number: instances starting together wait here instead of both creating the tables.
    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock(824461)", transaction: transaction);

    public void Dispose() => dataSource.Dispose();
}
