using System.Data.Common;
using System.Net.Sockets;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// The key database and whether it answered last time. Always registered; <see cref="Store"/> is null
/// when nothing needs one (no MASTER_KEY and no RATE_LIMIT_RPM). While <see cref="Problem"/> is set,
/// /health says 503 <c>database_unavailable</c>; requests that need the database get the same 503.
/// </summary>
public sealed class KeyDatabase(KeyStore? store)
{
    volatile string? problem = store is null ? null : "The key database has not been opened yet.";

    public KeyStore? Store => store;

    /// <summary>Why the database cannot be used now (short, no secrets), or null when it can.</summary>
    public string? Problem => problem;

    public void Answered() => problem = null;

    public void Failed(Exception e) => problem = Reason(store, e);

    /// <summary>The exceptions that mean "the database did not answer", as opposed to a bug here.</summary>
    public static bool IsOutage(Exception e) =>
        e is DbException or TimeoutException or SocketException or IOException;

    static string Reason(KeyStore? store, Exception e)
    {
        var message = (e.InnerException is SocketException inner ? inner.Message : e.Message).Split('\n')[0].Trim();
        if (message.Length > 200) message = message[..200];
        return $"{store?.Kind ?? "database"}: {message}";
    }
}

/// <summary>Creates the schema at start (before Kestrel listens, so a reachable database leaves no
/// 503 window; then every 2 s while it is unreachable); once a minute forgets old minute counters and gives back
/// reservations whose requests never ended (an instance that was killed).</summary>
public sealed class KeyDatabaseHost(KeyDatabase database, TimeProvider time, ILogger<KeyDatabaseHost> logger) : BackgroundService
{
    bool migrated;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Store is not null) await StepAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Store is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(migrated && database.Problem is null ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(2), stoppingToken); }
            catch (OperationCanceledException) { return; }
            await StepAsync(stoppingToken);
        }
    }

    async Task StepAsync(CancellationToken ct)
    {
        var store = database.Store!;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        try
        {
            if (!migrated)
            {
                await store.MigrateAsync(now, ct);
                migrated = true;
                logger.LogInformation("Key database ready ({Kind}).", store.Kind);
            }
            else
            {
                await store.ForgetOldWindowsAsync(now, ct);
                if (await store.ReleaseExpiredAsync(now, ct) is > 0 and var released)
                    logger.LogWarning("Gave back {Count} token reservations whose requests never ended.", released);
            }
            database.Answered();
        }
        catch (Exception e) when (KeyDatabase.IsOutage(e) && !ct.IsCancellationRequested)
        {
            database.Failed(e);
            logger.LogError("Key database unavailable: {Reason}", database.Problem);
        }
    }
}
