using System.Security.Cryptography;
using System.Net;
using System.Text.Json;
using CustomGpt.ModelApi.Client;

namespace CustomGpt.Deploy.Tests;

/// <summary>Dockerfile.api's build replayed with the local SDK, its output started as the image starts it.</summary>
[Collection(ImageBuilds.Name)]
public sealed class ApiImageTests(ApiImage image) : IClassFixture<ApiImage>
{
    /// <summary>What mcr.microsoft.com/dotnet/aspnet:10.0 (runtime-deps: libc6, libgcc-s1, libstdc++6) provides.</summary>
    static readonly string[] BaseImageLibraries =
        ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "ld-linux-x86-64.so.2", "libgcc_s.so.1", "libstdc++.so.6"];

    [Fact]
    public async Task The_published_ModelApi_started_like_the_image_serves_health_on_PORT_with_the_model_where_the_image_puts_it()
    {
        var port = ServerProcess.FreePort();
        using var api = image.Start(port);
        Assert.Equal(port, api.Address.Port);

        using var http = new HttpClient { BaseAddress = api.Address };
        var (status, body) = await WaitForHealthAsync(http, api);
        Assert.True(status == HttpStatusCode.OK, $"GET /health: {(int)status} {body}\n{api.Output}");
        var health = JsonSerializer.Deserialize<HealthResponse>(body, ModelApiJson.Options)!;
        Assert.Equal(HealthStatus.Ok, health.Status);
        Assert.Equal("tiny", health.Model!.Name);
    }

    /// <summary>
    /// As on AWS Lambda: the image's environment plus deploy/aws/Dockerfile.lambda's and the function's
    /// (Pulumi.yaml). The adapter itself is not run (it needs the Lambda runtime API); what it relies on
    /// is: ModelApi listens on AWS_LWA_HOST:AWS_LWA_PORT, and AWS_LWA_READINESS_CHECK_PATH answers a
    /// healthy status once the model is loaded, after which forwarded requests are served.
    /// </summary>
    [Fact]
    public async Task Started_with_the_Lambda_environment_ModelApi_gets_ready_where_the_Lambda_Web_Adapter_checks()
    {
        var lambda = new Dockerfile(Repository.PathOf("deploy/aws/Dockerfile.lambda")).Final.Env;
        Assert.Equal(image.Dockerfile.Final.Env["PORT"], lambda["AWS_LWA_PORT"]); // in Lambda, PORT 8080 for both
        var port = ServerProcess.FreePort(); // here both move to a free port together
        var portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (string, string)[] env =
        [
            .. lambda.Select(e => (e.Key, e.Key == "AWS_LWA_PORT" ? portText : e.Value)),
            .. AwsLambdaTests.FunctionEnvironment().Select(e => (e.Key, e.Value)),
        ];
        using var api = image.Start(port, env);

        using var http = new HttpClient { BaseAddress = new Uri($"http://{lambda["AWS_LWA_HOST"]}:{portText}/") };
        var healthy = lambda["AWS_LWA_READINESS_CHECK_HEALTHY_STATUS"].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        HttpStatusCode status = default;
        for (var i = 0; i < 600 && !api.HasExited; i++) // the adapter's readiness loop; a hang guard, not a timing assertion
        {
            using var response = await http.GetAsync(new Uri(lambda["AWS_LWA_READINESS_CHECK_PATH"].TrimStart('/'), UriKind.Relative));
            status = response.StatusCode;
            if (healthy.Contains((int)status)) break;
            await Task.Delay(100);
        }
        Assert.True(healthy.Contains((int)status), $"readiness: {(int)status}\n{api.Output}");

        // What the adapter then forwards, e.g. POST /v1/generate with the stage taken off.
        using var generate = await http.PostAsync(new Uri("generate", UriKind.Relative),
            new StringContent("""{"seed":1,"num_chars":5,"ignore_eos":true}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(generate.StatusCode == HttpStatusCode.OK, await generate.Content.ReadAsStringAsync());
        Assert.Contains("\"generated_text\"", await generate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_entrypoint_dll_and_the_llama_cpp_libraries_are_in_the_publish_output()
    {
        var dll = image.Dockerfile.Final.Entrypoint[1];
        Assert.True(File.Exists(Path.Combine(image.AppFolder, dll)), $"{dll} is not in the publish output ({image.AppFolder})");
        Assert.True(File.Exists(Path.Combine(image.AppFolder, "libllama.v0.5.0.so")));
        Assert.NotEmpty(Directory.GetFiles(image.AppFolder, "libggml-cpu-*.so"));
    }

    [Fact]
    public void The_native_libraries_need_nothing_the_runtime_image_lacks()
    {
        var published = Directory.GetFiles(image.AppFolder, "*.so");
        var names = published.Select(Path.GetFileName).ToHashSet();
        var missing = published
            .SelectMany(lib => Elf.Needed(lib).Select(needed => (lib: Path.GetFileName(lib), needed)))
            .Where(x => !names.Contains(x.needed) && !BaseImageLibraries.Contains(x.needed))
            .Select(x => $"{x.lib} needs {x.needed}")
            .ToList();
        Assert.True(missing.Count == 0, "Install these in Dockerfile.api's runtime stage (e.g. libgomp1): " + string.Join("; ", missing));
        Assert.Contains("libstdc++.so.6", Elf.Needed(Path.Combine(image.AppFolder, "libllama.v0.5.0.so")));
    }

    [Fact]
    public void MODEL_PATH_is_where_the_image_copies_the_default_model_and_where_ModelApi_would_find_it_anyway()
    {
        var final = image.Dockerfile.Final;
        var copy = final.All("COPY").Single(c => c.Words[0] == ApiImage.DefaultModel);
        Assert.Equal(final.Env["MODEL_PATH"], copy.Words[^1]);
        Assert.True(File.Exists(image.Build.FinalPath(final.Env["MODEL_PATH"])));
        // ModelApi's default (no MODEL_PATH): models/custom-gpt.gguf beside the app, or above it.
        Assert.Equal(final.WorkDir.TrimEnd('/') + "/" + ApiImage.DefaultModel, final.Env["MODEL_PATH"]);
    }

    internal static async Task<(HttpStatusCode Status, string Body)> WaitForHealthAsync(HttpClient http, ServerProcess server)
    {
        (HttpStatusCode, string) last = default;
        for (var i = 0; i < 600 && !server.HasExited; i++) // a hang guard, not a timing assertion
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
            last = (response.StatusCode, await response.Content.ReadAsStringAsync());
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || !last.Item2.Contains("loading", StringComparison.Ordinal)) return last;
            await Task.Delay(100);
        }
        return last;
    }
}

/// <summary>Dockerfile.dashboard's build replayed with the local SDK, its output started as the image starts it.</summary>
[Collection(ImageBuilds.Name)]
public sealed class DashboardImageTests(DashboardImage image) : IClassFixture<DashboardImage>
{
    [Fact]
    public async Task The_published_Dashboard_started_like_the_image_answers_the_fly_health_check_on_PORT()
    {
        var fly = FlyToml.Load();
        var checkPath = (string)FlyToml.Check(fly)["path"];
        var port = ServerProcess.FreePort();
        // fly.toml's [env] names, with a loopback ModelApi address instead of the Cloud Run one, and the
        // DASHBOARD_SECRET that fly.toml requires as a Fly secret.
        var env = FlyToml.Env(fly).Select(e => (e.Key, e.Key == ModelApiClientOptions.UrlVariable ? $"http://127.0.0.1:{ServerProcess.FreePort()}" : e.Value));
        using var dashboard = image.Start(port, [.. env, ("DASHBOARD_SECRET", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)))]);
        Assert.Equal(port, dashboard.Address.Port);

        using var http = new HttpClient { BaseAddress = dashboard.Address };
        using var health = await http.GetAsync(new Uri(checkPath.TrimStart('/'), UriKind.Relative));
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"GET {checkPath}: {(int)health.StatusCode}\n{dashboard.Output}");
        // The Blazor script is a static web asset of the framework (.NET 10 pipeline): the published image must serve it.
        using var script = await http.GetAsync(new Uri("_framework/blazor.web.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("Blazor", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // And the script that starts it WebSocket-only, so that either Fly machine can serve a page.
        using var start = await http.GetAsync(new Uri("blazor-start.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.Contains("skipNegotiation: true", await start.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_entrypoint_dll_is_in_the_publish_output()
    {
        var dll = image.Dockerfile.Final.Entrypoint[1];
        Assert.True(File.Exists(Path.Combine(image.AppFolder, dll)), $"{dll} is not in the publish output ({image.AppFolder})");
    }
}
