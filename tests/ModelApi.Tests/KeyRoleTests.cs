using System.Net;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>What each key role may call: /metrics and /key/* are not for virtual keys; GET /key/info says who the caller is.</summary>
public class KeyRoleTests
{
    const string MetricsToken = "metrics-token-for-the-scraper";

    [Fact]
    public async Task Metrics_need_the_master_key_or_METRICS_TOKEN_never_a_virtual_key()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: [.. Keys.OnSqlite(), ("METRICS_TOKEN", MetricsToken)]).ReadyAsync();
        var tenant = await server.Http.GenerateKeyAsync(new { key_alias = "tenant-a" });
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GenerateWithAsync(tenant)).StatusCode);

        using var byTenant = await server.Http.CallAsync(tenant, "GET", "/metrics");
        Assert.Equal(HttpStatusCode.Forbidden, byTenant.StatusCode);
        Assert.Equal(ProblemCodes.MasterKeyRequired, await byTenant.CodeAsync());
        Assert.DoesNotContain("tenant-a", await byTenant.Content.ReadAsStringAsync());

        foreach (var key in new[] { Keys.Master, MetricsToken })
        {
            using var allowed = await server.Http.CallAsync(key, "GET", "/metrics");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("customgpt_key_requests_total{key=\"tenant-a\"}", await allowed.Content.ReadAsStringAsync());
        }
        // The scraper's token reads /metrics and nothing else.
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.CallAsync(MetricsToken, "POST", "/tokenize", """{"text":"a"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.CallAsync(MetricsToken, "GET", "/key/list")).StatusCode);
    }

    [Fact]
    public async Task With_API_KEY_metrics_need_the_key()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", Keys.Single)).ReadyAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.CallAsync(null, "GET", "/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.CallAsync(Keys.Single, "GET", "/metrics")).StatusCode);
    }

    [Fact]
    public async Task Key_info_without_a_key_says_who_the_caller_is_whatever_its_role()
    {
        using (var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync())
        {
            var virtualKey = await server.Http.GenerateKeyAsync(new { key_alias = "fay", token_budget = 500 });
            var other = await server.Http.GenerateKeyAsync(new { key_alias = "gus" });
            var master = await WhoAmIAsync(server, Keys.Master);
            Assert.Equal("master", master.GetProperty("role").GetString());
            Assert.False(master.TryGetProperty("info", out _)); // null, left out as every null is

            var own = await WhoAmIAsync(server, virtualKey);
            Assert.Equal("virtual_key", own.GetProperty("role").GetString());
            Assert.Equal("fay", own.GetProperty("info").GetProperty("key_alias").GetString());
            Assert.Equal(500, own.GetProperty("info").GetProperty("token_budget").GetInt64());
            Assert.Equal(own.GetProperty("info").GetProperty("key_name").GetString(), own.GetProperty("key").GetString());

            // A virtual key may name itself, not another key.
            Assert.Equal(HttpStatusCode.OK, (await server.Http.CallAsync(virtualKey, "GET", "/key/info?key=" + virtualKey)).StatusCode);
            using var nosy = await server.Http.CallAsync(virtualKey, "GET", "/key/info?key=" + other);
            Assert.Equal(HttpStatusCode.Forbidden, nosy.StatusCode);
            Assert.Equal(ProblemCodes.MasterKeyRequired, await nosy.CodeAsync());
            foreach (var (method, path) in new[] { ("GET", "/key/list"), ("POST", "/key/generate"), ("POST", "/key/update"), ("POST", "/key/delete") })
                Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.CallAsync(virtualKey, method, path, method == "POST" ? "{}" : null)).StatusCode);
        }
        using (var single = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", Keys.Single)).ReadyAsync())
        {
            var info = await WhoAmIAsync(single, Keys.Single);
            Assert.Equal("api_key", info.GetProperty("role").GetString());
            Assert.False(info.TryGetProperty("info", out _));
            Assert.Equal(HttpStatusCode.Forbidden, (await single.Http.CallAsync(Keys.Single, "GET", "/key/list")).StatusCode);
        }
        using (var open = await new ApiServer(TestModels.Tiny).ReadyAsync())
            Assert.Equal("open", (await WhoAmIAsync(open, null)).GetProperty("role").GetString());
    }

    static async Task<JsonElement> WhoAmIAsync(ApiServer server, string? key)
    {
        using var response = await server.Http.CallAsync(key, "GET", "/key/info");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
