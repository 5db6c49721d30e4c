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
        foreach (Match m in Regex.Matches(Repository.Read(SpecPath), "\\$ref: \"#/definitions/([^\"]+)\""))
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
        // The ID token the gateway sends the private service must name the service's URL as audience.
        Assert.Equal("${MODELAPI_URL}", Scalar(backend, "jwt_audience"));
        // Generations may run up to Cloud Run's timeout; the gateway's own default deadline is 15 s.
        Assert.Equal(300.0, double.Parse(Scalar(backend, "deadline"), System.Globalization.CultureInfo.InvariantCulture));
        // The README fills the placeholder in before `api-configs create`.
        Assert.Contains("envsubst '$MODELAPI_URL' < " + SpecPath, Repository.Read("deploy/api-gateway/README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_lists_exactly_ModelApi_public_routes()
    {
        // Preflights are answered by ModelApi's CORS middleware, not by routes (see the next test).
        var inSpec = Operations(spec).Where(o => o.Method != "options").Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").Order().ToList();
        Assert.Equal(api.PublicRoutes().Order().ToList(), inSpec);
    }

    /// <summary>ModelApi needs its own key on every route but /health; the gateway asks for one on the same routes.</summary>
    [Fact]
    public async Task The_gateway_asks_for_a_key_on_exactly_the_routes_where_ModelApi_does()
    {
        using var keyed = new ModelApiFactory(("API_KEY", "the-key-long-enough-1"));
        using var http = keyed.CreateClient();
        foreach (var (path, method, operation) in Operations(spec).Where(o => o.Method != "options"))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
            using var response = await http.SendAsync(request);
            var modelApiWantsKey = response.StatusCode == HttpStatusCode.Unauthorized;
            Assert.True(modelApiWantsKey == Security(operation).Contains("api_key"), $"{method} {path}: ModelApi answered {(int)response.StatusCode} without a key; the spec's security is [{string.Join(", ", Security(operation))}]");
        }
    }

    /// <summary>A page on another origin sends x-api-key, so the browser asks first (OPTIONS, no key): every
    /// path that needs a key lets that through without one, and ModelApi (CORS_ORIGINS) answers it.</summary>
    [Fact]
    public async Task Every_path_that_needs_a_key_lets_a_browser_preflight_through_and_ModelApi_answers_it()
    {
        const string origin = "https://you.github.io";
        using var cors = new ModelApiFactory(("API_KEY", "the-key-long-enough-1"), ("CORS_ORIGINS", origin));
        using var http = cors.CreateClient();
        var keyed = Operations(spec).Where(o => o.Method != "options" && Security(o.Operation).Contains("api_key")).Select(o => o.Path).Distinct().ToList();
        var preflights = Operations(spec).Where(o => o.Method == "options").ToList();
        Assert.Equal(keyed.Order(), preflights.Select(o => o.Path).Order());
        foreach (var (path, _, operation) in preflights)
        {
            Assert.Empty(Security(operation));
            var method = Operations(spec).First(o => o.Path == path && o.Method != "options").Method.ToUpperInvariant();
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"OPTIONS {path}: {(int)response.StatusCode}");
            Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("x-api-key", string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
            Assert.Contains(method, string.Join(',', response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        }
    }

    /// <summary>The guides' `gcloud services enable` lines switch on everything the gateway path uses: the
    /// gateway itself, service management and control (the API and its keys), and IAM with IAM
    /// credentials (the gateway signs ID tokens as its service account).</summary>
    [Fact]
    public void The_enable_services_lines_include_everything_the_gateway_path_needs()
    {
        var enabled = new[] { "docs/deploy-cloud-run.md", "deploy/api-gateway/README.md" }
            .SelectMany(f => Regex.Matches(Repository.Read(f), @"gcloud services enable ((?:[^\n]*\\\n)*[^\n]*)").Select(m => m.Groups[1].Value))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.EndsWith(".googleapis.com", StringComparison.Ordinal)))
            .ToHashSet();
        foreach (var service in new[] { "run", "cloudbuild", "artifactregistry", "secretmanager", "apigateway", "servicemanagement", "servicecontrol", "iam", "iamcredentials", "storage" })
            Assert.Contains(service + ".googleapis.com", enabled);
    }

    static readonly string[] AllowedTopLevel =
        ["swagger", "info", "host", "basePath", "schemes", "consumes", "produces", "paths", "definitions", "parameters", "responses", "securityDefinitions", "security", "tags", "externalDocs"];

    const string SpecPath = "deploy/api-gateway/openapi-gateway.yaml";

    static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repository.Read(SpecPath)));
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
        let pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/') // a group's "" route is "/v1/files/"; it answers /v1/files
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
