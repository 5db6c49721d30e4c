using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests;

/// <summary>The key check covers every route, also the ones added later; secrets and paths stay private.</summary>
public class GuardTests
{
    const string Key = "route-guard-key";

    [Fact]
    public async Task Every_route_but_health_answers_401_without_the_key_and_with_a_wrong_one()
    {
        // A trailing newline, as `echo key | gcloud secrets create` leaves it: trimmed, not a silent 401 for all.
        using var api = await new ApiServer(TestModels.Tiny, settings: [("API_KEY", Key + "\n")]).ReadyAsync();
        var routes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .ToList();
        Assert.Contains(routes, r => r.Path == "/generate");

        foreach (var (method, path) in routes)
        {
            foreach (var key in new[] { null, "wrong-key" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                if (key is not null) request.Headers.Add("X-API-Key", key);
                using var response = await api.Http.SendAsync(request);
                var expected = path == "/health" ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
                Assert.True(expected == response.StatusCode, $"{method} {path} with key '{key}': {(int)response.StatusCode}, expected {(int)expected}");
            }
        }

        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/tokenize") { Content = new StringContent("""{"text":"a"}""", Encoding.UTF8, "application/json") };
        keyed.Headers.Add("X-API-Key", Key);
        using var ok = await api.Http.SendAsync(keyed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_failed_load_tells_anonymous_callers_a_short_reason_without_paths()
    {
        var missing = Path.Combine(TestModels.Directory, "secret-folder", "no-such-model.gguf");
        using var api = await new ApiServer(missing).ReadyAsync();
        var body = await (await api.Http.GetAsync("/health")).Content.ReadAsStringAsync();
        Assert.Contains("not found", body);
        Assert.DoesNotContain("secret-folder", body);
    }

    [Fact]
    public void A_signed_model_url_is_never_echoed_in_a_configuration_error()
    {
        var e = Assert.ThrowsAny<Exception>(() =>
            new ModelApiProcess(TestModels.Tiny, ("MODEL_URL", "http://models.example.com/m.gguf?X-Goog-Signature=topsecret123")));
        Assert.Contains("must be an https:// URL", e.Message);
        Assert.DoesNotContain("topsecret123", e.Message);
    }
}
