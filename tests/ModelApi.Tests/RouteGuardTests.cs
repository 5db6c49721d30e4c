using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Every route the app has, taken from its own route table, so a route added later is covered too.</summary>
public class RouteGuardTests
{
    const string ApiKey = "route-guard-key";

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
        await AssertGuardedAsync(server, [null, "wrong", ApiKey + "x"]);
        using var keyed = await server.Http.CallAsync(ApiKey, "POST", "/tokenize", """{"text":"a"}""");
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
    }

    static async Task AssertGuardedAsync(ApiServer server, string?[] wrongKeys)
    {
        foreach (var (method, path) in Routes(server))
        {
            foreach (var key in wrongKeys)
            {
                using var response = await server.Http.CallAsync(key, method, path, method == "POST" ? "{}" : null);
                if (path == "/health") Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
                else Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with key '{key}' answered {(int)response.StatusCode}");
            }
        }
    }

    static List<(string Method, string Path)> Routes(ApiServer server) =>
        (from endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
         from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
         select (method, "/" + Regex.Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), "{[^}]+}", "x"))).ToList();
}
