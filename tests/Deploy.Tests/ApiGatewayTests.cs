using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace CustomGpt.Deploy.Tests;

/// <summary>deploy/api-gateway/openapi-gateway.yaml: valid OpenAPI 2.0 and exactly ModelApi's public routes.</summary>
public sealed class ApiGatewayTests : IDisposable
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch"];

    readonly YamlMappingNode spec = Load();
    readonly ModelApiFactory api = new();

    public void Dispose() => api.Dispose();

    [Fact]
    public void The_spec_is_structurally_valid_OpenAPI_2_0()
    {
        Assert.Equal("2.0", Scalar(spec, "swagger"));
        var info = Map(spec, "info");
        Assert.False(string.IsNullOrWhiteSpace(Scalar(info, "title")));
        Assert.False(string.IsNullOrWhiteSpace(Scalar(info, "version")));
        foreach (var key in spec.Children.Keys.Select(k => ((YamlScalarNode)k).Value!))
            Assert.True(key.StartsWith("x-", StringComparison.Ordinal) || AllowedTopLevel.Contains(key), "not an OpenAPI 2.0 field: " + key);

        var definitions = spec.Children.ContainsKey("definitions") ? Map(spec, "definitions") : new YamlMappingNode();
        var securityDefinitions = Map(spec, "securityDefinitions");
        var operationIds = new List<string>();
        foreach (var (path, method, operation) in Operations(spec))
        {
            Assert.StartsWith("/", path, StringComparison.Ordinal);
            operationIds.Add(Scalar(operation, "operationId"));
            var responses = Map(operation, "responses");
            Assert.True(responses.Children.Count > 0, $"{method} {path} has no responses");
            foreach (var (code, response) in responses.Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)))
            {
                Assert.Matches("^([1-5][0-9][0-9]|default)$", code);
                Assert.False(string.IsNullOrWhiteSpace(Scalar(response, "description")), $"{method} {path} {code} needs a description");
            }
            if (operation.Children.ContainsKey("parameters"))
            {
                foreach (var parameter in ((YamlSequenceNode)operation["parameters"]).Cast<YamlMappingNode>())
                {
                    Assert.Contains(Scalar(parameter, "in"), (string[])["query", "header", "path", "formData", "body"]);
                    if (Scalar(parameter, "in") == "body") Assert.True(parameter.Children.ContainsKey("schema"));
                }
            }
            foreach (var requirement in Security(operation))
                Assert.True(securityDefinitions.Children.ContainsKey(requirement), $"{method} {path}: undefined security {requirement}");
        }
        Assert.Equal(operationIds.Count, operationIds.Distinct().Count());

        // Every $ref points at a definition that exists.
        foreach (Match m in Regex.Matches(Repo.Read(SpecPath), "\\$ref: \"#/definitions/([^\"]+)\""))
            Assert.True(definitions.Children.ContainsKey(m.Groups[1].Value), "missing definition " + m.Groups[1].Value);
    }

    [Fact]
    public void The_gateway_checks_an_API_key_in_the_x_api_key_header_and_forwards_to_the_Cloud_Run_URL()
    {
        var apiKey = Map(Map(spec, "securityDefinitions"), "api_key");
        Assert.Equal("apiKey", Scalar(apiKey, "type"));
        Assert.Equal("header", Scalar(apiKey, "in"));
        Assert.Equal("x-api-key", Scalar(apiKey, "name"));
        var backend = Map(spec, "x-google-backend");
        Assert.Equal("${MODELAPI_URL}", Scalar(backend, "address"));
        Assert.Equal("APPEND_PATH_TO_ADDRESS", Scalar(backend, "path_translation"));
        // Generations may run up to Cloud Run's timeout; the gateway's own default deadline is 15 s.
        Assert.Equal(300.0, double.Parse(Scalar(backend, "deadline"), System.Globalization.CultureInfo.InvariantCulture));
        // The README fills the placeholder in before `api-configs create`.
        Assert.Contains("envsubst '$MODELAPI_URL' < " + SpecPath, Repo.Read("deploy/api-gateway/README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_lists_exactly_ModelApi_public_routes()
    {
        var inSpec = Operations(spec).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").Order().ToList();
        Assert.Equal(api.PublicRoutes().Order().ToList(), inSpec);
    }

    /// <summary>ModelApi needs its own key on every route but /health; the gateway asks for one on the same routes.</summary>
    [Fact]
    public async Task The_gateway_asks_for_a_key_on_exactly_the_routes_where_ModelApi_does()
    {
        using var keyed = new ModelApiFactory(("API_KEY", "the-key"));
        using var http = keyed.CreateClient();
        foreach (var (path, method, operation) in Operations(spec))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
            using var response = await http.SendAsync(request);
            var modelApiWantsKey = response.StatusCode == HttpStatusCode.Unauthorized;
            Assert.True(modelApiWantsKey == Security(operation).Contains("api_key"), $"{method} {path}: ModelApi answered {(int)response.StatusCode} without a key; the spec's security is [{string.Join(", ", Security(operation))}]");
        }
    }

    static readonly string[] AllowedTopLevel =
        ["swagger", "info", "host", "basePath", "schemes", "consumes", "produces", "paths", "definitions", "parameters", "responses", "securityDefinitions", "security", "tags", "externalDocs"];

    const string SpecPath = "deploy/api-gateway/openapi-gateway.yaml";

    static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repo.Read(SpecPath)));
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    static IEnumerable<(string Path, string Method, YamlMappingNode Operation)> Operations(YamlMappingNode spec) =>
        from path in Map(spec, "paths").Children
        from op in ((YamlMappingNode)path.Value).Children
        let method = ((YamlScalarNode)op.Key).Value!
        where Methods.Contains(method) || Fail($"{((YamlScalarNode)path.Key).Value}: '{method}' is not an HTTP method")
        select (((YamlScalarNode)path.Key).Value!, method, (YamlMappingNode)op.Value);

    static bool Fail(string message) => throw new Xunit.Sdk.XunitException(message);

    /// <summary>The security requirement names in force for an operation (its own, or the spec's global one).</summary>
    List<string> Security(YamlMappingNode operation)
    {
        var node = operation.Children.TryGetValue("security", out var own) ? own : spec.Children.TryGetValue("security", out var global) ? global : new YamlSequenceNode();
        return ((YamlSequenceNode)node).Cast<YamlMappingNode>().SelectMany(r => r.Children.Keys.Select(k => ((YamlScalarNode)k).Value!)).ToList();
    }

    static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}

/// <summary>ModelApi in memory (no model needed: the route table and middleware are what is asked about).</summary>
sealed class ModelApiFactory(params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
{
    /// <summary>"METHOD /path" for every route but the OpenAPI document's own (which the gateway does not expose).</summary>
    public IEnumerable<string> PublicRoutes() =>
        from endpoint in Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        let pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/')
        where !pattern.StartsWith("/openapi/", StringComparison.Ordinal)
        from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]
        select $"{method} {Regex.Replace(pattern, "{([^}:?=]+)[^}]*}", "{$1}")}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("MODEL_PATH", Path.Combine(Path.GetTempPath(), "customgpt-deploy-tests-no-model.gguf"));
        builder.UseSetting("HOST", "127.0.0.1");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }
}
