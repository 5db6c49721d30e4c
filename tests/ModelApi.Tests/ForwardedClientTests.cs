using System.Net;
using System.Text;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// RATE_LIMIT_RPM counts per client address, and the client is whoever the trusted proxies say, counted from the
/// right of X-Forwarded-For: what a client writes further left (or anything that is not an address) never counts.
/// </summary>
public sealed class ForwardedClientTests
{
    static async Task<ApiServer> ServerAsync(params (string Key, string Value)[] settings) =>
        // A clock at the start of a minute that nothing moves: every request of a test falls in one rate window.
        await new ApiServer(TestModels.Tiny, Keys.Clock(), [.. Keys.OnSqlite(), ("MASTER_KEY", ""), ("RATE_LIMIT_RPM", "3"), .. settings]).ReadyAsync();

    static async Task<HttpStatusCode> TokenizeAsync(ApiServer server, string? forwardedFor, string? flyClientIp = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tokenize") { Content = new StringContent("""{"text":"a"}""", Encoding.UTF8, "application/json") };
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (flyClientIp is not null) request.Headers.Add("Fly-Client-IP", flyClientIp);
        using var response = await server.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    // One proxy (Cloud Run's front end): the client is the entry it appended, the right-most.
    [InlineData("TRUST_FORWARDED_FOR=true", "10.9.{0}.1, {1}", null)]
    // A Google load balancer in front: "<client>, <load balancer>" appended, so the second from the right.
    [InlineData("FORWARDED_HOPS=2", "10.9.{0}.1, {1}, 34.36.0.1", null)]
    // Fly: Fly-Client-IP is the address Fly's proxy took the connection from; X-Forwarded-For ends in the app's own address.
    [InlineData("TRUST_FORWARDED_FOR=true;FLY_APP_NAME=customgpt", "10.9.{0}.1, 66.241.124.1", "{1}")]
    public async Task Ten_requests_that_vary_what_the_client_writes_still_count_as_one_client(string settings, string forwardedFor, string? flyClientIp)
    {
        using var server = await ServerAsync([.. settings.Split(';').Select(s => (s.Split('=')[0], s.Split('=')[1]))]);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
            statuses.Add(await TokenizeAsync(server, string.Format(forwardedFor, i, "203.0.113.7"), flyClientIp is null ? null : string.Format(flyClientIp, i, "203.0.113.7")));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 7)], statuses);
        // Someone else behind the same proxies has a count of their own.
        Assert.Equal(HttpStatusCode.OK, await TokenizeAsync(server, string.Format(forwardedFor, 0, "203.0.113.8"), flyClientIp is null ? null : "203.0.113.8"));
    }

    [Fact]
    public async Task A_forwarded_value_that_is_not_an_address_is_ignored()
    {
        using var server = await ServerAsync(("TRUST_FORWARDED_FOR", "true"));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, await TokenizeAsync(server, "not-an-ip"));
        // Those three counted against the connection's own address, not against an address called "not-an-ip".
        Assert.Equal(HttpStatusCode.TooManyRequests, await TokenizeAsync(server, null));
    }

    [Fact]
    public async Task Without_trusted_proxies_what_the_client_writes_is_never_read()
    {
        using var server = await ServerAsync(("FLY_APP_NAME", "customgpt"));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, await TokenizeAsync(server, $"203.0.113.{i}", $"198.51.100.{i}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await TokenizeAsync(server, "203.0.113.9", "198.51.100.9"));
    }
}
