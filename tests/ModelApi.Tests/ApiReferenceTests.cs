using System.Net;

namespace CustomGpt.ModelApi.Tests;

/// <summary>API_REFERENCE: the reference page (Scalar) over the OpenAPI document the server serves; off unless asked for,
/// and behind the key like every route but /health.</summary>
public class ApiReferenceTests
{
    const string ApiKey = "api-reference-test-key";

    [Fact]
    public async Task On_an_open_server_the_page_is_served_and_reads_the_servers_own_OpenAPI_document()
    {
        using var server = new ApiServer(TestModels.Tiny, settings: [("API_REFERENCE", "true")]);
        using var page = await server.Http.GetAsync("/scalar/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal); // relative to /scalar/'s base: the server's own document
        using var script = await server.Http.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        // The document it names is there, and it describes the routes.
        var document = await server.Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/generate\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Off_by_default()
    {
        Assert.False(ApiServer.ReadSettings().ApiReference);
        using var server = new ApiServer(TestModels.Tiny);
        using var page = await server.Http.GetAsync("/scalar/");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Fact]
    public async Task With_a_key_configured_the_page_needs_the_key()
    {
        using var server = new ApiServer(TestModels.Tiny, settings: [("API_REFERENCE", "true"), ("API_KEY", ApiKey)]);
        using var anonymous = await server.Http.CallAsync(null, "GET", "/scalar/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var document = await server.Http.CallAsync(null, "GET", "/openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, document.StatusCode);
        // Scalar marks its own script files anonymous: the vendor's bundle, the same for every server, says nothing of this one.
        using var script = await server.Http.CallAsync(null, "GET", "/scalar/scalar.js");
        Assert.DoesNotContain("/generate", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var keyed = await server.Http.CallAsync(ApiKey, "GET", "/scalar/");
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
    }
}
