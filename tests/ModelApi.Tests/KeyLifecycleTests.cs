using System.Net;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>The /key routes and what a key may do, on one storage (SQLite or PostgreSQL, see the classes below).</summary>
public abstract class KeyLifecycleTests
{
    protected abstract (string Key, string Value)[] Storage();

    [Fact]
    public async Task A_key_is_made_used_listed_updated_blocked_and_deleted()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var http = server.Http;
        using var made = await http.CallAsync(Keys.Master, "POST", "/key/generate",
            """{"key_alias":"alice","duration":"1h","rpm_limit":100,"metadata":{"team":"docs"},"models":["tiny"]}""");
        var generated = await made.ProblemAsync();
        var secret = generated.GetProperty("key").GetString()!;
        var name = generated.GetProperty("key_name").GetString()!;
        Assert.Matches("^sk-[A-Za-z0-9_-]{43}$", secret);
        Assert.StartsWith(name, secret, StringComparison.Ordinal);
        Assert.True(generated.GetProperty("expires").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(59));

        using var used = await http.GenerateWithAsync(secret, numChars: 4);
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        var usage = (await used.ProblemAsync()).GetProperty("usage");
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/tokenize") { Content = new StringContent("""{"text":"a"}""", System.Text.Encoding.UTF8, "application/json") };
        bearer.Headers.Authorization = new("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);

        var info = await http.InfoAsync(name);
        Assert.Equal("alice", info.GetProperty("key_alias").GetString());
        Assert.Equal("docs", info.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal(2, info.GetProperty("usage").GetProperty("requests").GetInt64());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), info.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), info.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        Assert.Equal(name, (await http.InfoAsync(secret)).GetProperty("key_name").GetString());

        using var list = await http.CallAsync(Keys.Master, "GET", "/key/list");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Contains(name, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        using var updated = await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{name}}","key_alias":"alice-2","tpm_limit":5000}""");
        Assert.Equal("alice-2", (await updated.ProblemAsync()).GetProperty("info").GetProperty("key_alias").GetString());
        Assert.Equal(5000, (await http.InfoAsync(name)).GetProperty("tpm_limit").GetInt64());
        // null takes a setting away (LiteLLM's way); absent ones stay.
        using var removed = await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{name}}","tpm_limit":null,"key_alias":null,"models":null}""");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var afterRemoval = await http.InfoAsync(name);
        Assert.False(afterRemoval.TryGetProperty("tpm_limit", out _));
        Assert.False(afterRemoval.TryGetProperty("key_alias", out _));
        Assert.False(afterRemoval.TryGetProperty("models", out _));
        Assert.Equal(100, afterRemoval.GetProperty("rpm_limit").GetInt64());
        Assert.Equal("docs", afterRemoval.GetProperty("metadata").GetProperty("team").GetString());

        await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{name}}","blocked":true}""");
        using var blocked = await http.GenerateWithAsync(secret);
        Assert.Equal(HttpStatusCode.Unauthorized, blocked.StatusCode);
        Assert.Equal(ProblemCodes.KeyBlocked, await blocked.CodeAsync());
        await http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{name}}","blocked":false}""");
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(secret)).StatusCode);

        using var deleted = await http.CallAsync(Keys.Master, "POST", "/key/delete", $$"""{"keys":["{{secret}}"]}""");
        Assert.Equal(name, (await deleted.ProblemAsync()).GetProperty("deleted_keys")[0].GetString());
        using var gone = await http.GenerateWithAsync(secret);
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        Assert.Equal(ProblemCodes.KeyUnknown, await gone.CodeAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(Keys.Master, "GET", "/key/info?key=" + name)).StatusCode);
    }

    [Fact]
    public async Task Missing_unknown_and_expired_keys_get_401_saying_which_without_echoing_the_key()
    {
        var clock = Keys.Clock();
        using var server = await new ApiServer(TestModels.Tiny, clock, Storage()).ReadyAsync();
        var http = server.Http;
        var shortLived = await http.GenerateKeyAsync(new { duration = "1s" });
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(shortLived)).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2.1)); // it expires (and the 2 s key cache forgets it) without waiting
        var made_up = "sk-" + new string('x', 43);
        foreach (var (key, code) in new[] { (null, ProblemCodes.KeyMissing), (made_up, ProblemCodes.KeyUnknown), ("not-a-key", ProblemCodes.KeyUnknown), (shortLived, ProblemCodes.KeyExpired) })
        {
            using var response = await http.GenerateWithAsync(key!);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
            if (key is not null) Assert.DoesNotContain(key, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Key_routes_answer_only_the_master_key_and_virtual_keys_get_403_but_may_read_their_own_info()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var http = server.Http;
        var secret = await http.GenerateKeyAsync(new { key_alias = "bob" });
        var other = await http.GenerateKeyAsync(new { key_alias = "carol" });
        foreach (var (method, path, body) in new[]
        {
            ("POST", "/key/generate", "{}"), ("GET", "/key/info?key=" + other, null), ("GET", "/key/list", null),
            ("POST", "/key/update", $$"""{"key":"{{secret}}","blocked":true}"""), ("POST", "/key/delete", $$"""{"keys":["{{secret}}"]}"""),
        })
        {
            using var response = await http.CallAsync(secret, method, path, body);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(ProblemCodes.MasterKeyRequired, await response.CodeAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GenerateWithAsync(secret)).StatusCode); // untouched
        foreach (var path in new[] { "/key/info", "/key/info?key=" + secret, "/key/info?key=" + secret[..11] })
        {
            using var own = await http.CallAsync(secret, "GET", path);
            var info = (await own.ProblemAsync()).GetProperty("info");
            Assert.Equal("bob", info.GetProperty("key_alias").GetString());
            Assert.True(info.GetProperty("usage").GetProperty("requests").GetInt64() >= 1);
        }
    }

    /// <summary>As an attacker would try it: twenty requests at once for one alias (creates, and renames of other keys).</summary>
    [Fact]
    public async Task Twenty_requests_at_once_for_one_alias_give_it_to_exactly_one_key()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        var http = server.Http;
        var others = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => http.GenerateKeyAsync(new { key_alias = $"other-{i}" })));

        var calls = Enumerable.Range(0, 10).Select(_ => http.CallAsync(Keys.Master, "POST", "/key/generate", """{"key_alias":"dana"}"""))
            .Concat(others.Select(key => http.CallAsync(Keys.Master, "POST", "/key/update", $$"""{"key":"{{key}}","key_alias":"dana"}""")));
        var answers = await Task.WhenAll(calls);

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(19, refused.Count);
        foreach (var answer in refused)
        {
            Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
            Assert.Equal(ProblemCodes.KeyAliasTaken, (await answer.ProblemAsync()).GetProperty("code").GetString());
        }
        using var list = await http.CallAsync(Keys.Master, "GET", "/key/list");
        var aliases = (await list.ProblemAsync()).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key_alias").GetString()).ToList();
        Assert.Single(aliases, a => a == "dana");
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task Bad_key_settings_get_400_naming_the_field()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Storage()).ReadyAsync();
        foreach (var (body, field) in new[]
        {
            ("""{"duration":"3w"}""", "duration"), ("""{"rpm_limit":0}""", "rpm_limit"), ("""{"tpm_limit":-5}""", "tpm_limit"),
            ("""{"token_budget":"lots"}""", "token_budget"), ("""{"metadata":"x"}""", "metadata"), ("""{"key_alias":""}""", "key_alias"),
            ("""{"models":[""]}""", "models"),
        })
        {
            using var response = await server.Http.CallAsync(Keys.Master, "POST", "/key/generate", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty(field, out _), body);
        }
        // Without ?key= the master key is told who it is (KeyRoleTests), not asked for a key.
        using var noKey = await server.Http.CallAsync(Keys.Master, "GET", "/key/info");
        Assert.Equal("master", (await noKey.ProblemAsync()).GetProperty("role").GetString());
        using var unknown = await server.Http.CallAsync(Keys.Master, "POST", "/key/update", """{"key":"sk-nothing1","blocked":true}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var noKeys = await server.Http.CallAsync(Keys.Master, "POST", "/key/delete", """{"keys":[]}""");
        Assert.True((await noKeys.ProblemAsync()).GetProperty("errors").TryGetProperty("keys", out _));
    }
}

public sealed class KeyLifecycleOnSqliteTests : KeyLifecycleTests
{
    protected override (string Key, string Value)[] Storage() => Keys.OnSqlite();
}

[Collection(PostgresCollection.Name)]
public sealed class KeyLifecycleOnPostgresTests(PostgresServer postgres) : KeyLifecycleTests
{
    protected override (string Key, string Value)[] Storage() => [("MASTER_KEY", Keys.Master), ("DATABASE_URL", postgres.CreateDatabase())];
}
