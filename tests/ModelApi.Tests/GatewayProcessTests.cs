using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CustomGpt.ModelApi.Tests;

/// <summary>ModelApi as a real process with MASTER_KEY and SQLite: its log lines, its database file, and a normal stop.</summary>
public class GatewayProcessTests
{
    [Fact]
    public async Task Json_log_lines_parse_carry_severity_httpRequest_and_trace_and_no_secret_is_in_any_log_line_or_column()
    {
        var storage = Keys.OnSqlite();
        string secret, output;
        using (var server = await new ModelApiProcess(TestModels.Tiny, [.. storage, ("LOG_FORMAT", "json"), ("GOOGLE_CLOUD_PROJECT", "my-proj")]).ReadyAsync())
        {
            using var http = server.Client();
            secret = await http.GenerateKeyAsync(new { key_alias = "carol", rpm_limit = 50 });
            using var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = new StringContent("""{"num_chars":5,"prompt":"the secret prompt"}""", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-API-Key", secret);
            request.Headers.Add("X-Cloud-Trace-Context", "105445aa7843bc8bf206b12000100000/1;o=1");
            request.Headers.Add("X-Request-Id", "req-42");
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GenerateWithAsync(secret + "x")).StatusCode);
            await http.InfoAsync(secret);
            server.Signal("TERM");
            await server.ExitCodeAsync();
            output = server.Output;
        }

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.Contains(l.GetProperty("severity").GetString(), (string[])["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]));
        var generate = lines.Single(l => l.TryGetProperty("request_id", out var id) && id.GetString() == "req-42");
        var httpRequest = generate.GetProperty("httpRequest");
        Assert.Equal("POST", httpRequest.GetProperty("requestMethod").GetString());
        Assert.Equal("/generate", httpRequest.GetProperty("requestUrl").GetString());
        Assert.Equal(200, httpRequest.GetProperty("status").GetInt32());
        Assert.Matches(@"^\d+\.\d+s$", httpRequest.GetProperty("latency").GetString());
        Assert.Equal("projects/my-proj/traces/105445aa7843bc8bf206b12000100000", generate.GetProperty("logging.googleapis.com/trace").GetString());
        Assert.Equal("carol", generate.GetProperty("key").GetString());
        Assert.True(generate.GetProperty("completion_tokens").GetInt32() >= 5); // 5 characters, one or more tokens each
        Assert.Equal("length", generate.GetProperty("finish_reason").GetString());
        var refused = lines.Single(l => l.TryGetProperty("rejected", out var r) && r.GetString() == ProblemCodes.KeyUnknown);
        Assert.Equal("WARNING", refused.GetProperty("severity").GetString());

        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Keys.Master, output, StringComparison.Ordinal);
        Assert.DoesNotContain("the secret prompt", output, StringComparison.Ordinal);
        var cells = SqliteCells(storage.Single(s => s.Key == "KEYS_DB").Value);
        Assert.Contains(cells, c => c == "carol");
        Assert.DoesNotContain(cells, c => c.Contains(secret[..20], StringComparison.Ordinal) || c.Contains(Keys.Master, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Usage_written_before_and_during_a_SIGTERM_is_there_after_a_restart()
    {
        var storage = Keys.OnSqlite();
        string secret;
        long completion = 0, requests = 0;
        using (var server = await new ModelApiProcess(TestModels.LongContext, storage).ReadyAsync())
        {
            using var http = server.Client();
            secret = await http.GenerateKeyAsync(new { key_alias = "dave" });
            for (var i = 0; i < 2; i++, requests++)
            {
                using var done = await http.GenerateWithAsync(secret, numChars: 20);
                completion += (await done.ProblemAsync()).GetProperty("usage").GetProperty("completion_tokens").GetInt64();
            }
            // One still generating when SIGTERM comes: it finishes (or is cancelled) within the grace period and is charged.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = new StringContent("""{"num_chars":3000,"stream":true,"ignore_eos":true}""", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-API-Key", secret);
            using var stream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            await reader.ReadLineAsync(); // the first event: it is generating
            requests++;
            server.Signal("TERM");
            try { await reader.ReadToEndAsync(); } catch (IOException) { /* cut off at the end of the grace period */ }
            Assert.Equal(0, await server.ExitCodeAsync());
        }

        using var again = await new ModelApiProcess(TestModels.Tiny, storage).ReadyAsync();
        using var client = again.Client();
        var usage = (await client.InfoAsync(secret)).GetProperty("usage");
        Assert.Equal(requests, usage.GetProperty("requests").GetInt64());
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > completion, usage.ToString());
    }

    /// <summary>Every value of every table, as text.</summary>
    static List<string> SqliteCells(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        var tables = new List<string>();
        using (var list = new SqliteCommand("SELECT name FROM sqlite_master WHERE type = 'table'", connection))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        var cells = new List<string>();
        foreach (var table in tables)
        {
            using var select = new SqliteCommand($"SELECT * FROM \"{table}\"", connection);
            using var reader = select.ExecuteReader();
            while (reader.Read())
                for (var i = 0; i < reader.FieldCount; i++) cells.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        return cells;
    }
}
