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
        CreatePrivately(path);
        // Default Timeout: how long a writer waits for another one holding the lock.
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 5 }.ToString();
    }

    public override string Kind => "sqlite";

    // SQLITE_CONSTRAINT_UNIQUE names the columns, not the index.
    protected override bool IsAliasTaken(DbException e) =>
        e is SqliteException { SqliteExtendedErrorCode: 2067 } && e.Message.Contains("keys.key_alias", StringComparison.Ordinal);

    /// <summary>Key hashes and usage are the operator's alone: a folder we make is 0700, a database file we make 0600
    /// (SQLite gives its -wal and -shm files the database's mode). Folders that exist already are left as they are.</summary>
    static void CreatePrivately(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (OperatingSystem.IsWindows())
        {
            if (folder is not null) Directory.CreateDirectory(folder);
            return;
        }
        if (folder is not null && !Directory.Exists(folder)) Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (File.Exists(full)) return;
        try
        {
            using var _ = new FileStream(full, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        }
        catch (IOException) when (File.Exists(full))
        {
            // another instance made it first
        }
    }

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
