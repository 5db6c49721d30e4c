using System.Diagnostics;
using Npgsql;

namespace CustomGpt.Tests.Shared;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's `postgresql` package) under a temp folder on a free
/// loopback port: initdb, pg_ctl start, and at the end pg_ctl -m immediate stop and the folder removed.
/// As root the tools run as the `postgres` user (they refuse root). One per test run is enough;
/// each test class takes its own database with <see cref="CreateDatabase"/>.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    readonly string folder, data;
    int databases;

    public PostgresServer()
    {
        folder = System.IO.Directory.CreateTempSubdirectory("customgpt-pg-").FullName;
        data = Path.Combine(folder, "data");
        Port = ServerProcess.FreePort();
        if (IsRoot) Run("chown", "postgres:postgres", folder);
        Tool("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync");
        Start();
    }

    public int Port { get; }

    /// <summary>A new, empty database; its DATABASE_URL in the postgresql:// form.</summary>
    public string CreateDatabase()
    {
        var name = $"customgpt_{Environment.ProcessId}_{Interlocked.Increment(ref databases)}";
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return $"postgresql://postgres@127.0.0.1:{Port}/{name}";
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false";

    /// <summary>Starts (or restarts) the server and waits until it accepts connections.</summary>
    public void Start() =>
        Tool("pg_ctl", "-D", data, "-w", "-l", Path.Combine(folder, "server.log"), "-o", $"-p {Port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    /// <summary>Stops the server at once, as a crash or an outage would.</summary>
    public void Stop() => Tool("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop");

    public void Dispose()
    {
        try { Stop(); } catch (InvalidOperationException) { /* already stopped */ }
        System.IO.Directory.Delete(folder, recursive: true);
    }

    static bool IsRoot => Environment.UserName == "root";

    /// <summary>The server tools of whichever PostgreSQL version is installed (/usr/lib/postgresql/N/bin).</summary>
    static string BinFolder() =>
        System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
              ?? throw new InvalidOperationException("No /usr/lib/postgresql/*/bin/initdb: apt-get install -y postgresql")
            : throw new InvalidOperationException("PostgreSQL is not installed: apt-get install -y postgresql");

    static void Tool(string name, params string[] args)
    {
        var path = Path.Combine(BinFolder(), name);
        if (IsRoot) Run("runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(path, args);
    }

    static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        // pg_ctl start leaves the server holding the pipes: read to end would wait for the server to stop.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1))) throw new TimeoutException($"{file} did not finish");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {(stderr.IsCompleted ? stderr.Result : "")} {(stdout.IsCompleted ? stdout.Result : "")}");
    }
}
