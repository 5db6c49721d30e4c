using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>The embedded default: one file (KEYS_DB), shared by the processes of one machine.</summary>
public sealed class SqliteKeyStore : KeyStore
{
    readonly string connectionString;

    public SqliteKeyStore(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        // Default Timeout: how long a writer waits for another one holding the lock.
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 5 }.ToString();
    }

    public override string Kind => "sqlite";

    protected override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        // WAL lets readers run beside a writer; NORMAL syncs at checkpoints instead of every commit,
        // which keeps a counter update well under a millisecond (a power cut may lose the last ones).
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        return connection;
    }
}
