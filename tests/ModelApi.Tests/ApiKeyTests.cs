using System.Net;
using System.Net.Http.Headers;

namespace CustomGpt.ModelApi.Tests;

public class ApiKeyTests
{
    [Fact]
    public async Task With_a_key_every_route_but_health_needs_it()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: ("API_KEY", "s3cret-key-long-enough")).ReadyAsync();
        var http = server.Http;

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        foreach (var (method, path) in new[] { ("POST", "/generate"), ("POST", "/tokenize"), ("GET", "/metrics"), ("GET", "/no-such-route") })
        {
            using var anonymous = await http.SendAsync(Request(method, path));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        }

        using var wrong = Request("POST", "/generate");
        wrong.Headers.Add("X-API-Key", "s3cret-key-long-enougi");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        using var prefix = Request("POST", "/generate");
        prefix.Headers.Add("X-API-Key", "s3cret");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(prefix)).StatusCode);

        using var header = Request("POST", "/generate");
        header.Headers.Add("X-API-Key", "s3cret-key-long-enough");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(header)).StatusCode);

        using var bearer = Request("POST", "/generate");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-key-long-enough");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);
    }

    [Fact]
    public async Task Without_a_key_nothing_is_asked()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Request("POST", "/generate"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/metrics")).StatusCode);
    }

    static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method == "POST" ? new StringContent("""{"num_chars":3,"text":"a"}""", System.Text.Encoding.UTF8, "application/json") : null,
    };
}
