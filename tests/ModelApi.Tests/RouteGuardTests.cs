using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using CustomGpt.ModelApi.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Every route the app has, taken from its own route table, so a route added later is covered too.</summary>
public class RouteGuardTests
{
    const string ApiKey = "route-guard-api-key";

    [Fact]
    public async Task In_MASTER_KEY_mode_every_route_but_health_answers_401_without_a_key_or_with_a_wrong_one()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        Assert.Contains(("POST", "/key/generate"), Routes(server));
        await AssertGuardedAsync(server, [null, "wrong", "sk-" + new string('w', 43), Keys.Master + "x"]);
    }

    [Fact]
    public async Task In_API_KEY_mode_every_route_but_health_answers_401_without_the_key_or_with_a_wrong_one()
    {
        // A trailing newline, as `echo key | gcloud secrets create` leaves it: trimmed, not a silent 401 for all.
        using var server = await new ApiServer(TestModels.Tiny, settings: [("API_KEY", ApiKey + "\n")]).ReadyAsync();
        using var keyed = await server.Http.CallAsync(ApiKey, "POST", "/tokenize", """{"text":"a"}""");
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        await AssertGuardedAsync(server, [null, "wrong", ApiKey + "x"]);
    }

    [Fact]
    public async Task Every_route_is_protected_by_default_and_only_health_says_it_is_anonymous()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Equal(["/health"], endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.RoutePattern.RawText));
        // Routes that say nothing meet the fallback policy: a route added later without a word is protected too.
        var options = server.Services.GetRequiredService<IOptions<AuthorizationOptions>>().Value;
        Assert.NotNull(options.FallbackPolicy);
        Assert.Contains(endpoints, e => e.Metadata.GetMetadata<IAuthorizeData>() is null && e.RoutePattern.RawText == "/generate");
        using var unknown = await server.Http.CallAsync(null, "GET", "/not-a-route-yet");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        // Master-only routes and /metrics say so.
        foreach (var route in new[] { "/key/generate", "/key/list", "/key/update", "/key/delete", "/metrics" })
            Assert.Contains(endpoints, e => e.RoutePattern.RawText == route && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is "master" or "metrics"));
    }

    static async Task AssertGuardedAsync(ApiServer server, string?[] wrongKeys)
    {
        foreach (var (method, path) in Routes(server))
        {
            foreach (var key in wrongKeys)
            {
                using var response = await server.Http.CallAsync(key, method, path, method == "POST" ? "{}" : null);
                if (path == "/health") Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
                // Past 20 wrong keys a minute the address is refused whatever it sends (429 too_many_failed_keys): still not let in.
                else Assert.True(response.StatusCode == HttpStatusCode.Unauthorized
                    || (key is not null && response.StatusCode == HttpStatusCode.TooManyRequests && await response.CodeAsync() == ProblemCodes.TooManyFailedKeys),
                    $"{method} {path} with key '{key}' answered {(int)response.StatusCode}");
            }
        }
    }

    static List<(string Method, string Path)> Routes(ApiServer server) =>
        (from endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
         from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
         select (method, "/" + Regex.Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), "{[^}]+}", "x"))).ToList();
}

/// <summary>A route added later, mapped without a word about authorization, in a host wired like ModelApi's gateway.</summary>
public class NewRouteTests
{
    [Fact]
    public async Task A_route_mapped_without_a_policy_needs_a_key()
    {
        var settings = ApiServer.ReadSettings(("API_KEY", Keys.Single), ("MODEL_PATH", "unused.gguf"));
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(settings);
        builder.AddGateway(settings);
        await using var app = builder.Build();
        app.UseGatewayAuthentication();
        app.MapGet("/brand-new", () => "hello");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var anonymous = await http.CallAsync(null, "GET", "/brand-new");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(ProblemCodes.KeyMissing, await anonymous.CodeAsync());
        Assert.Equal("hello", await (await http.CallAsync(Keys.Single, "GET", "/brand-new")).Content.ReadAsStringAsync());
        await app.StopAsync();
    }
}
