using System.Net;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>What /key/generate and /key/update store must keep every admin route working: metadata of bounded depth
/// and size, and one key per alias.</summary>
public sealed class KeyRecordLimitTests
{
    /// <summary>{"a":{"a":...{}}} with <paramref name="levels"/> objects.</summary>
    static string Nested(int levels) => string.Concat(Enumerable.Repeat("""{"a":""", levels - 1)) + "{}" + new string('}', levels - 1);

    [Fact]
    public async Task Metadata_nested_too_deep_or_too_large_is_a_400_naming_it_and_the_key_list_keeps_working()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var http = server.Http;
        var key = await http.GenerateKeyAsync(new { key_alias = "deep" });
        foreach (var metadata in new[] { Nested(9), Nested(62), $$"""{"notes":"{{new string('x', 5000)}}"}""" })
        {
            foreach (var (path, body) in new[] { ("/key/generate", $$"""{"metadata":{{metadata}}}"""), ("/key/update", $$"""{"key":"{{key}}","metadata":{{metadata}}}""") })
            {
                using var refused = await http.CallAsync(Keys.Master, "POST", path, body);
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                var errors = (await refused.ProblemAsync()).GetProperty("errors");
                Assert.Contains("at most 8 levels", errors.GetProperty("metadata")[0].GetString(), StringComparison.Ordinal);
            }
        }
        await http.GenerateKeyAsync(new { metadata = JsonDocument.Parse(Nested(8)).RootElement });
        using var list = await http.CallAsync(Keys.Master, "GET", "/key/list");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(2, (await list.ProblemAsync()).GetProperty("keys").GetArrayLength());
    }

    [Fact]
    public async Task A_second_key_with_an_alias_in_use_is_a_409_naming_the_alias()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var http = server.Http;
        var alice = await http.GenerateKeyAsync(new { key_alias = "alice" });
        var bob = await http.GenerateKeyAsync(new { key_alias = "bob" });

        using var again = await http.CallAsync(Keys.Master, "POST", "/key/generate", """{"key_alias":"alice"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.ProblemAsync();
        Assert.Equal(ProblemCodes.KeyAliasTaken, problem.GetProperty("code").GetString());
        Assert.Contains("'alice'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var renamed = await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{bob}}","key_alias":"alice"}""");
        Assert.Equal(HttpStatusCode.Conflict, renamed.StatusCode);
        Assert.Equal("bob", (await http.InfoAsync(bob)).GetProperty("key_alias").GetString());

        // A key may be sent its own alias again, and an alias given up may be taken.
        using var same = await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{alice}}","key_alias":"alice","rpm_limit":5}""");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        using var freed = await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{alice}}","key_alias":"carol"}""");
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{bob}}","key_alias":"alice"}""")).StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_key_database_is_created_readable_by_its_owner_only()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("customgpt-keys-").FullName, "data");
        var path = Path.Combine(folder, "keys.db");
        using var server = await new ApiServer(TestModels.Tiny, settings: [("MASTER_KEY", Keys.Master), ("KEYS_DB", path)]).ReadyAsync();
        await server.Http.GenerateKeyAsync(new { key_alias = "x" }); // something written, so the WAL files exist too

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        foreach (var file in Directory.GetFiles(folder))
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
        Assert.Contains(path, Directory.GetFiles(folder));
    }

    /// <summary>Before schema step 4 two requests at once could give two keys one alias; the upgrade keeps both keys
    /// working, the alias on the older one and the key id appended to the other's, and from then on the index holds.</summary>
    [Fact]
    public async Task Keys_that_shared_an_alias_before_the_upgrade_keep_working_and_the_alias_stays_unique()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("customgpt-keys-").FullName, "keys.db");
        (string, string)[] settings = [("MASTER_KEY", Keys.Master), ("KEYS_DB", path)];
        string first, second;
        using (var before = await new ApiServer(TestModels.Tiny, settings: settings).ReadyAsync())
        {
            first = await before.Http.GenerateKeyAsync(new { key_alias = "erin" });
            second = await before.Http.GenerateKeyAsync(new { key_alias = "frank" });
        }
        // The state step 4 finds in such a database: no index yet, two keys with one alias.
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            await db.OpenAsync();
            using var undo = db.CreateCommand();
            undo.CommandText = "DROP INDEX keys_alias; DELETE FROM schema_migrations WHERE version = 4; UPDATE keys SET key_alias = 'erin';";
            await undo.ExecuteNonQueryAsync();
        }

        using var after = await new ApiServer(TestModels.Tiny, settings: settings).ReadyAsync();
        var (a, b) = (await after.Http.InfoAsync(first), await after.Http.InfoAsync(second));
        var ids = new[] { a.GetProperty("key_name").GetString()!, b.GetProperty("key_name").GetString()! };
        var older = string.CompareOrdinal(ids[0], ids[1]) < 0 ? 0 : 1;
        Assert.Equal("erin", (older == 0 ? a : b).GetProperty("key_alias").GetString());
        Assert.Equal($"erin ({ids[1 - older]})", (older == 0 ? b : a).GetProperty("key_alias").GetString());
        Assert.Equal(HttpStatusCode.OK, (await after.Http.GenerateWithAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await after.Http.GenerateWithAsync(second)).StatusCode);
        using var again = await after.Http.CallAsync(Keys.Master, "POST", "/key/generate", """{"key_alias":"erin"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
