using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Every route the app has, taken from its own route table, so a route added later is covered too.</summary>
public class RouteGuardTests
{
    [Fact]
    public async Task In_MASTER_KEY_mode_every_route_but_health_answers_401_without_a_key_or_with_a_wrong_one()
    {
        using var server = await new ApiServer(TestModels.Tiny, settings: Keys.OnSqlite()).ReadyAsync();
        var routes = (from endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                      from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
                      select (method, "/" + Regex.Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), "{[^}]+}", "x"))).ToList();
        Assert.Contains(("POST", "/key/generate"), routes);
        foreach (var (method, path) in routes)
        {
            foreach (var key in new[] { null, "wrong", "sk-" + new string('w', 43), Keys.Master + "x" })
            {
                using var response = await server.Http.CallAsync(key, method, path, method == "POST" ? "{}" : null);
                if (path == "/health") Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
                else Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} with key '{key}' answered {(int)response.StatusCode}");
            }
        }
    }
}
