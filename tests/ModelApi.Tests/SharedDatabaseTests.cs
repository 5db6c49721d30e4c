using System.Diagnostics;
using System.Net;
using Npgsql;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Several ModelApi processes sharing one PostgreSQL: one limit, one revocation, one usage; and the database going away.</summary>
[Collection(PostgresCollection.Name)]
public class SharedDatabaseTests(PostgresServer postgres)
{
    [Fact]
    public async Task Two_instances_sharing_PostgreSQL_enforce_one_rpm_limit_and_keep_no_secret()
    {
        // In process, so both instances read one clock that stands still: the four requests share a minute for sure.
        var url = postgres.CreateDatabase();
        var clock = Keys.Clock();
        using var a = await new ApiServer(TestModels.Tiny, clock, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)).ReadyAsync();
        using var b = await new ApiServer(TestModels.Tiny, clock, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)).ReadyAsync();
        var (httpA, httpB) = (a.Http, b.Http);
        var key = await httpA.GenerateKeyAsync(new { key_alias = "shared", rpm_limit = 4 });

        foreach (var http in new[] { httpA, httpB, httpA, httpB })
            Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(key)).StatusCode);
        foreach (var http in new[] { httpA, httpB })
        {
            using var over = await http.GenerateWithAsync(key);
            Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
            Assert.Equal(ProblemCodes.RateLimited, await over.CodeAsync());
        }
        // Usage written by either instance is seen from either.
        Assert.Equal(4, (await httpB.InfoAsync(key)).GetProperty("usage").GetProperty("requests").GetInt64());

        var cells = await CellsAsync(url);
        Assert.Contains("shared", cells);
        Assert.DoesNotContain(cells, c => c.Contains(key[..20], StringComparison.Ordinal) || c.Contains(Keys.Master, StringComparison.Ordinal));
        Assert.DoesNotContain(a.Logs.Lines.Concat(b.Logs.Lines), l => l.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Blocking_a_key_on_one_instance_is_seen_by_the_other_within_5_seconds()
    {
        var url = postgres.CreateDatabase();
        using var a = await InstanceAsync(url);
        using var b = await InstanceAsync(url);
        using var httpA = a.Client();
        using var httpB = b.Client();
        var key = await httpA.GenerateKeyAsync(new { key_alias = "eve" });
        Assert.Equal(HttpStatusCode.OK, (await httpB.GenerateWithAsync(key)).StatusCode); // B now has it cached

        using var block = await httpA.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{key}}","blocked":true}""");
        Assert.Equal(HttpStatusCode.OK, block.StatusCode);
        var blockedAt = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var response = await httpB.GenerateWithAsync(key);
            status = response.StatusCode;
            if (status == HttpStatusCode.Unauthorized) Assert.Equal(ProblemCodes.KeyBlocked, await response.CodeAsync());
            else await Task.Delay(100);
        }
        while (status != HttpStatusCode.Unauthorized && blockedAt.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Unauthorized, status); // the promise: every instance refuses it within 5 s
    }

    [Fact]
    public async Task Database_unreachable_at_start_or_later_gives_503_database_unavailable_never_200()
    {
        // At start: nothing listens on the port.
        var closed = $"postgresql://postgres@127.0.0.1:{ServerProcess.FreePort()}/none";
        using (var server = new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", closed)))
        {
            using var http = server.Client();
            using var health = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal(ProblemCodes.DatabaseUnavailable, await health.CodeAsync());
            Assert.StartsWith("postgresql: ", (await health.ProblemAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
            using var request = await http.GenerateWithAsync("sk-" + new string('q', 43));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, request.StatusCode);
            Assert.Equal(ProblemCodes.DatabaseUnavailable, await request.CodeAsync());
        }

        // Later: a cluster of its own, stopped under a running instance, then started again.
        using var own = new PostgresServer();
        using var later = await InstanceAsync(own.CreateDatabase());
        using var client = later.Client();
        var key = await client.GenerateKeyAsync(new { rpm_limit = 1000 });
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateWithAsync(key)).StatusCode);
        own.Stop();
        using (var down = await client.GenerateWithAsync(key))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal(ProblemCodes.DatabaseUnavailable, await down.CodeAsync());
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        own.Start();
        await Api.EventuallyAsync(() => client.GenerateWithAsync(key).Result.StatusCode == HttpStatusCode.OK, "the instance recovers with its database");
        await Api.EventuallyAsync(() => client.GetAsync("/health").Result.StatusCode == HttpStatusCode.OK, "/health is ready again");
    }

    static Task<ModelApiProcess> InstanceAsync(string url) =>
        new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)).ReadyAsync();

    /// <summary>Every value of every table in the database, as text.</summary>
    async Task<List<string>> CellsAsync(string url)
    {
        var database = new Uri(url).AbsolutePath.Trim('/');
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        var cells = new List<string>();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT * FROM \"{table}\"", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++) cells.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        return cells;
    }
}
