using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// deploy/aws: the Pulumi YAML program (parsed: no Pulumi CLI or AWS account here) and the Lambda
/// image's Dockerfile. The program's resource types, properties and outputs are checked against a
/// table taken from the Pulumi AWS provider's documentation (below); the REST API's routes against
/// ModelApi's own route table. ModelApi started with the Lambda environment: <see cref="ApiImageTests"/>.
/// </summary>
public sealed class AwsLambdaTests : IDisposable
{
    const string ProgramPath = "deploy/aws/Pulumi.yaml";
    const string LambdaDockerfile = "deploy/aws/Dockerfile.lambda";

    /// <summary>Per resource type: the properties the provider requires, and every name this program may use
    /// (inputs, which Pulumi also exposes as outputs, and the outputs it reads).</summary>
    static readonly Dictionary<string, (string[] Required, string[] Known)> Types = new()
    {
        ["aws:iam:Role"] = (["assumeRolePolicy"], ["assumeRolePolicy", "name", "arn", "id"]),
        ["aws:iam:RolePolicyAttachment"] = (["role", "policyArn"], ["role", "policyArn", "id"]),
        ["aws:lambda:Function"] = (["role", "packageType", "imageUri"], ["role", "packageType", "imageUri", "architectures", "memorySize", "timeout", "environment", "name", "arn", "invokeArn", "id"]),
        ["aws:lambda:Permission"] = (["action", "function", "principal"], ["action", "function", "principal", "sourceArn", "id"]),
        ["aws:apigateway:RestApi"] = ([], ["name", "description", "id", "rootResourceId", "executionArn"]),
        ["aws:apigateway:Resource"] = (["restApi", "parentId", "pathPart"], ["restApi", "parentId", "pathPart", "path", "id"]),
        ["aws:apigateway:Method"] = (["restApi", "resourceId", "httpMethod", "authorization"], ["restApi", "resourceId", "httpMethod", "authorization", "apiKeyRequired", "id"]),
        ["aws:apigateway:Integration"] = (["restApi", "resourceId", "httpMethod", "type"], ["restApi", "resourceId", "httpMethod", "type", "integrationHttpMethod", "uri", "timeoutMilliseconds", "id"]),
        ["aws:apigateway:Deployment"] = (["restApi"], ["restApi", "description", "triggers", "id"]),
        ["aws:apigateway:Stage"] = (["restApi", "deployment", "stageName"], ["restApi", "deployment", "stageName", "invokeUrl", "executionArn", "id"]),
        ["aws:apigateway:ApiKey"] = ([], ["name", "value", "id"]),
        ["aws:apigateway:UsagePlan"] = ([], ["name", "apiStages", "throttleSettings", "quotaSettings", "id"]),
        ["aws:apigateway:UsagePlanKey"] = (["keyId", "keyType", "usagePlanId"], ["keyId", "keyType", "usagePlanId", "id"]),
    };

    readonly YamlMappingNode program = Load();
    readonly ModelApiFactory keyed = new(("API_KEY", "the-key-long-enough-1"));

    public void Dispose() => keyed.Dispose();

    Dictionary<string, YamlMappingNode> Resources =>
        Map(program, "resources").Children.ToDictionary(r => ((YamlScalarNode)r.Key).Value!, r => (YamlMappingNode)r.Value);

    [Fact]
    public void The_program_is_Pulumi_YAML_with_known_resource_types_and_their_required_properties()
    {
        Assert.Equal("yaml", Scalar(program, "runtime"));
        Assert.False(string.IsNullOrWhiteSpace(Scalar(program, "name")));
        foreach (var key in program.Children.Keys.Select(k => ((YamlScalarNode)k).Value!))
            Assert.Contains(key, (string[])["name", "runtime", "description", "config", "variables", "resources", "outputs"]);
        foreach (var (name, resource) in Resources)
        {
            var type = Scalar(resource, "type");
            Assert.True(Types.TryGetValue(type, out var known), $"{name}: unknown type {type}");
            var properties = resource.Children.ContainsKey("properties") ? Map(resource, "properties") : new YamlMappingNode();
            var names = properties.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();
            foreach (var required in known.Required) Assert.True(names.Contains(required), $"{name} ({type}) lacks {required}");
            foreach (var property in names) Assert.True(known.Known.Contains(property), $"{name} ({type}): unexpected property {property}");
        }
        foreach (var (name, config) in Map(program, "config").Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)))
            Assert.Contains(Scalar(config, "type"), (string[])["string", "integer", "boolean", "number"]);
    }

    /// <summary>Every ${name} or ${name.output} names a config value or a resource, and an output that resource has.</summary>
    [Fact]
    public void Every_reference_names_a_config_value_or_a_resource_and_one_of_its_outputs()
    {
        var config = Map(program, "config").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var resources = Resources;
        var references = Scalars(program).SelectMany(s => Regex.Matches(s, @"\$\{([^}]+)\}").Select(m => m.Groups[1].Value)).ToList();
        Assert.NotEmpty(references);
        foreach (var reference in references)
        {
            var parts = reference.Split('.');
            if (parts.Length == 1 && config.Contains(parts[0])) continue;
            Assert.True(resources.TryGetValue(parts[0], out var target), $"${{{reference}}}: no config value or resource named {parts[0]}");
            if (parts.Length > 1)
                Assert.True(Types[Scalar(target!, "type")].Known.Contains(parts[1]), $"${{{reference}}}: {Scalar(target!, "type")} has no output {parts[1]}");
        }
        // Every config value is used, and the image has no default (it must be the one you pushed).
        foreach (var key in config) Assert.Contains(references, r => r == key);
        Assert.False(Map(Map(program, "config"), "imageUri").Children.ContainsKey("default"));
    }

    /// <summary>Each ModelApi route (method and path) reaches the function through a resource and method of
    /// the REST API (an exact path before {proxy+}, as API Gateway picks them), through an AWS_PROXY
    /// integration, with the API key required exactly where ModelApi itself asks for a key.</summary>
    [Fact]
    public async Task Every_ModelApi_route_reaches_the_function_and_needs_a_key_exactly_where_ModelApi_does()
    {
        var api = new RestApiRoutes(Resources);
        using var http = keyed.CreateClient();
        var routes = keyed.PublicRoutes().ToList();
        Assert.NotEmpty(routes);
        foreach (var route in routes)
        {
            var method = route.Split(' ')[0];
            var path = route.Split(' ')[1];
            var (resourcePath, gatewayMethod) = api.Match(method, path);
            Assert.True(gatewayMethod is not null, $"{route}: no route through the REST API");
            var integration = api.IntegrationOf(resourcePath, Scalar(gatewayMethod, "httpMethod"));
            Assert.Equal("AWS_PROXY", Scalar(integration, "type"));
            Assert.Equal("POST", Scalar(integration, "integrationHttpMethod")); // Lambda is always invoked with POST
            Assert.Equal("${modelApi.invokeArn}", Scalar(integration, "uri"));

            using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            var modelApiWantsKey = response.StatusCode == HttpStatusCode.Unauthorized;
            var gatewayWantsKey = gatewayMethod!.Children.ContainsKey("apiKeyRequired") && Scalar(gatewayMethod, "apiKeyRequired") == "true";
            Assert.True(modelApiWantsKey == gatewayWantsKey, $"{route}: ModelApi {(modelApiWantsKey ? "wants" : "does not want")} a key; the REST API's {resourcePath} {Scalar(gatewayMethod, "httpMethod")} says apiKeyRequired={gatewayWantsKey}");
        }
        // A browser's preflight (no key) gets through to ModelApi's CORS answer.
        var (_, preflight) = api.Match("OPTIONS", "/chat");
        Assert.Equal("OPTIONS", Scalar(preflight!, "httpMethod"));
        Assert.Equal("false", Scalar(preflight!, "apiKeyRequired"));
        // The function lets this API (any stage, method and path) invoke it.
        var permission = Map(Resources["invokePermission"], "properties");
        Assert.Equal("apigateway.amazonaws.com", Scalar(permission, "principal"));
        Assert.Equal("${restApi.executionArn}/*/*", Scalar(permission, "sourceArn"));
        Assert.Equal("${modelApi.name}", Scalar(permission, "function"));
    }

    [Fact]
    public void The_v1_stage_has_a_usage_plan_with_throttling_and_a_quota_for_the_API_key_and_the_invoke_URL_is_an_output()
    {
        var resources = Resources;
        var stage = resources.Single(r => Scalar(r.Value, "type") == "aws:apigateway:Stage");
        Assert.Equal("v1", Scalar(Map(stage.Value, "properties"), "stageName"));
        var deployment = resources.Single(r => Scalar(r.Value, "type") == "aws:apigateway:Deployment");
        Assert.Equal($"${{{deployment.Key}.id}}", Scalar(Map(stage.Value, "properties"), "deployment"));
        // The deployment waits for every integration: a deployment made before them would serve nothing.
        var integrations = resources.Where(r => Scalar(r.Value, "type") == "aws:apigateway:Integration").Select(r => $"${{{r.Key}}}").Order();
        var dependsOn = ((YamlSequenceNode)Map(deployment.Value, "options")["dependsOn"]).Select(n => ((YamlScalarNode)n).Value!).Order();
        Assert.Equal(integrations, dependsOn);

        var plan = Map(resources.Single(r => Scalar(r.Value, "type") == "aws:apigateway:UsagePlan").Value, "properties");
        var apiStage = (YamlMappingNode)((YamlSequenceNode)plan["apiStages"]).Single();
        Assert.Equal("${restApi.id}", Scalar(apiStage, "apiId"));
        Assert.Equal($"${{{stage.Key}.stageName}}", Scalar(apiStage, "stage"));
        Assert.Equal(["burstLimit", "rateLimit"], Map(plan, "throttleSettings").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order());
        Assert.Equal("DAY", Scalar(Map(plan, "quotaSettings"), "period"));
        var planKey = Map(resources.Single(r => Scalar(r.Value, "type") == "aws:apigateway:UsagePlanKey").Value, "properties");
        var apiKey = resources.Single(r => Scalar(r.Value, "type") == "aws:apigateway:ApiKey").Key;
        Assert.Equal($"${{{apiKey}.id}}", Scalar(planKey, "keyId"));
        Assert.Equal("API_KEY", Scalar(planKey, "keyType"));

        var outputs = Map(program, "outputs");
        Assert.Equal($"${{{stage.Key}.invokeUrl}}", Scalar(outputs, "invokeUrl"));
        Assert.Equal($"${{{apiKey}.value}}", Scalar(outputs, "apiKey"));
    }

    /// <summary>The Lambda image is the ModelApi image plus the adapter, pointed at ModelApi's port and its
    /// anonymous /health; the README builds the image it starts FROM under that tag.</summary>
    [Fact]
    public void The_Lambda_image_is_the_ModelApi_image_plus_the_adapter_pointed_at_PORT_and_health()
    {
        var lambda = new Dockerfile(Repository.PathOf(LambdaDockerfile));
        var stage = Assert.Single(lambda.Stages);
        var copy = stage.All("COPY").Single();
        Assert.Matches(@"^public\.ecr\.aws/awsguru/aws-lambda-adapter:\d+\.\d+\.\d+$", copy.Flags["from"]);
        Assert.Equal(["/lambda-adapter", "/opt/extensions/lambda-adapter"], copy.Words);
        Assert.Empty(stage.All("ENTRYPOINT")); // ModelApi's own entrypoint runs unchanged
        Assert.Empty(stage.All("CMD"));
        Assert.Null(stage.User);

        var api = new Dockerfile(Repository.PathOf("Dockerfile.api")).Final;
        Assert.Equal(api.Env["PORT"], stage.Env["AWS_LWA_PORT"]);
        Assert.Equal("127.0.0.1", stage.Env["AWS_LWA_HOST"]);
        Assert.Equal("/health", stage.Env["AWS_LWA_READINESS_CHECK_PATH"]);
        Assert.Contains($"GET {stage.Env["AWS_LWA_READINESS_CHECK_PATH"]}", keyed.PublicRoutes());
        Assert.Equal("200", stage.Env["AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"]);
        Assert.Equal("true", stage.Env["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"]); // /v1 is the stage, not a route

        var readme = Repository.Read("deploy/aws/README.md");
        Assert.Contains($"docker build -f Dockerfile.api -t {stage.Image} .", readme, StringComparison.Ordinal);
        Assert.Contains("-f deploy/aws/Dockerfile.lambda", readme, StringComparison.Ordinal);
        Assert.Contains("pulumi config set imageUri", readme, StringComparison.Ordinal);
    }

    /// <summary>The function's environment variables, as Pulumi.yaml sets them.</summary>
    internal static IReadOnlyDictionary<string, string> FunctionEnvironment()
    {
        var function = Map((YamlMappingNode)Map(Load(), "resources")["modelApi"], "properties");
        return Map(Map(function, "environment"), "variables").Children.ToDictionary(v => ((YamlScalarNode)v.Key).Value!, v => ((YamlScalarNode)v.Value).Value!);
    }

    static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repository.Read(ProgramPath)));
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode q => q.SelectMany(Scalars),
        YamlMappingNode m => m.Children.SelectMany(c => Scalars(c.Key).Concat(Scalars(c.Value))),
        _ => [],
    };

    internal static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    internal static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}

/// <summary>The REST API's resource tree as the program builds it, and API Gateway's choice of method for a request.</summary>
sealed class RestApiRoutes
{
    readonly Dictionary<string, string> pathOf = new() { ["${restApi.rootResourceId}"] = "/" };
    readonly List<(string Path, YamlMappingNode Method)> methods = [];
    readonly List<(string Path, string HttpMethod, YamlMappingNode Integration)> integrations = [];

    public RestApiRoutes(Dictionary<string, YamlMappingNode> resources)
    {
        static YamlMappingNode Props(YamlMappingNode r) => AwsLambdaTests.Map(r, "properties");
        string Type(YamlMappingNode r) => AwsLambdaTests.Scalar(r, "type");
        // Parents first: resolve until every resource has a path.
        var pending = resources.Where(r => Type(r.Value) == "aws:apigateway:Resource").ToList();
        while (pending.Count > 0)
        {
            var ready = pending.Where(r => pathOf.ContainsKey(AwsLambdaTests.Scalar(Props(r.Value), "parentId"))).ToList();
            if (ready.Count == 0) throw new Xunit.Sdk.XunitException("A resource's parentId names no resource: " + string.Join(", ", pending.Select(p => p.Key)));
            foreach (var (name, r) in ready)
            {
                var parent = pathOf[AwsLambdaTests.Scalar(Props(r), "parentId")];
                pathOf[$"${{{name}.id}}"] = parent.TrimEnd('/') + "/" + AwsLambdaTests.Scalar(Props(r), "pathPart");
                pending.RemoveAll(p => p.Key == name);
            }
        }
        var methodNames = new Dictionary<string, string>();
        foreach (var (name, r) in resources.Where(r => Type(r.Value) == "aws:apigateway:Method"))
        {
            methods.Add((pathOf[AwsLambdaTests.Scalar(Props(r), "resourceId")], Props(r)));
            methodNames[$"${{{name}.httpMethod}}"] = AwsLambdaTests.Scalar(Props(r), "httpMethod");
        }
        foreach (var (_, r) in resources.Where(r => Type(r.Value) == "aws:apigateway:Integration"))
        {
            var httpMethod = AwsLambdaTests.Scalar(Props(r), "httpMethod");
            integrations.Add((pathOf[AwsLambdaTests.Scalar(Props(r), "resourceId")], methodNames.GetValueOrDefault(httpMethod, httpMethod), Props(r)));
        }
    }

    /// <summary>The resource and method API Gateway picks: an exact path before a greedy {proxy+}; a method
    /// of the request's own before ANY.</summary>
    public (string ResourcePath, YamlMappingNode? Method) Match(string httpMethod, string path)
    {
        YamlMappingNode? On(string resourcePath) =>
            methods.Where(m => m.Path == resourcePath).Select(m => m.Method)
                .OrderBy(m => AwsLambdaTests.Scalar(m, "httpMethod") == "ANY" ? 1 : 0)
                .FirstOrDefault(m => AwsLambdaTests.Scalar(m, "httpMethod") is var x && (x == httpMethod || x == "ANY"));
        if (On(path) is { } exact) return (path, exact);
        foreach (var proxy in pathOf.Values.Where(p => p.EndsWith("/{proxy+}", StringComparison.Ordinal)).OrderByDescending(p => p.Length))
        {
            var prefix = proxy[..^"{proxy+}".Length];
            if (path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length && On(proxy) is { } method) return (proxy, method);
        }
        return (path, null);
    }

    public YamlMappingNode IntegrationOf(string resourcePath, string httpMethod) =>
        integrations.SingleOrDefault(i => i.Path == resourcePath && i.HttpMethod == httpMethod).Integration
        ?? throw new Xunit.Sdk.XunitException($"{httpMethod} {resourcePath} has no integration");
}
