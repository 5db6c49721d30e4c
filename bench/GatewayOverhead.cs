using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.Tests.Shared;

namespace CustomGpt.Bench;

/// <summary>
/// What authentication and limits add to a request: the same cheap route (GET /v1/models) timed on
/// an open ModelApi and with a virtual key that has rpm, tpm and budget limits (key lookup, the failed-key
/// check, one admission upsert, one usage settlement), with SQLite and with PostgreSQL on loopback; then what a
/// generating request adds on top: its reservation before the work and its settlement, timed on the store itself.
/// </summary>
static class GatewayOverhead
{
    const string Master = "bench-master-key";

    public static async Task RunAsync(int requests)
    {
        var model = ModelApiSettings.DefaultModelPath();
        Console.WriteLine($"gateway overhead: GET /v1/models, {requests} sequential requests each, after {requests / 10} to warm up");
        double[] openTimes;
        using (var open = new ServedLoop(model, 1, 1))
            openTimes = await TimeAsync(open.Http, key: null, requests);
        Statistics.ReportLatency("open (no key)", openTimes, baseline: null);

        var db = Path.Combine(Directory.CreateTempSubdirectory("customgpt-bench-").FullName, "keys.db");
        using (var sqlite = new ServedLoop(model, 1, 1, ("MASTER_KEY", Master), ("KEYS_DB", db)))
            Statistics.ReportLatency("virtual key, SQLite", await TimeAsync(sqlite.Http, await KeyAsync(sqlite.Http), requests), openTimes);

        using var postgres = new PostgresServer();
        using (var pg = new ServedLoop(model, 1, 1, ("MASTER_KEY", Master), ("DATABASE_URL", postgres.CreateDatabase())))
            Statistics.ReportLatency("virtual key, PostgreSQL", await TimeAsync(pg.Http, await KeyAsync(pg.Http), requests), openTimes);

        var reserveDb = Path.Combine(Directory.CreateTempSubdirectory("customgpt-bench-").FullName, "keys.db");
        Statistics.ReportLatency("reserve + settle, SQLite", await ReserveAndSettleAsync(new SqliteKeyStore(reserveDb), requests), baseline: null);
        using var pgStore = new PostgresKeyStore(DatabaseUrl.ToConnectionString(postgres.CreateDatabase()));
        Statistics.ReportLatency("reserve + settle, PostgreSQL", await ReserveAndSettleAsync(pgStore, requests), baseline: null);
    }

    /// <summary>Milliseconds per reservation (tpm and budget) plus its settlement, sorted: what a generating request adds to the route above.</summary>
    static async Task<double[]> ReserveAndSettleAsync(KeyStore store, int requests)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await store.MigrateAsync(now, CancellationToken.None);
        await store.InsertAsync(new KeyRow { KeyId = "sk-bench", KeyHash = "bench", Created = now, TpmLimit = long.MaxValue / 4, TokenBudget = long.MaxValue / 4 });
        var times = new List<double>(requests);
        for (var i = 0; i < requests + requests / 10; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var (reservation, _) = await store.ReserveAsync("sk-bench", long.MaxValue / 4, long.MaxValue / 4, 210, now);
            await store.SettleAsync("sk-bench", 10, 150, 160, reservation, now);
            if (i >= requests / 10) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return [.. times.Order()];
    }

    static async Task<string> KeyAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/key/generate")
        {
            Content = JsonContent.Create(new { key_alias = "bench", rpm_limit = 10_000_000, tpm_limit = 10_000_000, token_budget = 10_000_000 }),
        };
        request.Headers.Add("X-API-Key", Master);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>Milliseconds per request, sorted.</summary>
    static async Task<double[]> TimeAsync(HttpClient http, string? key, int requests)
    {
        var times = new List<double>(requests);
        for (var i = 0; i < requests + requests / 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            if (key is not null) request.Headers.Add("X-API-Key", key);
            var start = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            response.EnsureSuccessStatusCode();
            if (i >= requests / 10) times.Add(ms);
        }
        return [.. times.Order()];
    }
}
