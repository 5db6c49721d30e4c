using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace CustomGpt.Deploy.Tests;

/// <summary>deploy/cloudrun: the script's commands (--dry-run, run with bash) and the service YAML.</summary>
public sealed class CloudRunTests
{
    const string Script = "deploy/cloudrun/deploy.sh";

    static readonly string[] Settings =
        ["GCP_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCP_REGION", "SERVICE", "IMAGE", "ACCESS", "API_KEY", "API_KEY_SECRET", "MASTER_KEY_SECRET", "DATABASE_URL_SECRET", "CLOUD_SQL_INSTANCE",
         "PARALLEL", "MAX_QUEUE", "THREADS", "MIN_INSTANCES", "MAX_INSTANCES", "MODEL_URL", "MODEL_SHA256"];

    const string Common = "gcloud run deploy customgpt-api --project=my-proj --region=europe-west1 " +
        "--image=europe-west1-docker.pkg.dev/my-proj/customgpt/modelapi:latest --port=8080 --memory=2Gi --cpu=2 --cpu-boost " +
        "--timeout=300 --concurrency=16 --min-instances=0 --max-instances=10 --set-env-vars=PARALLEL=4,MAX_QUEUE=12,THREADS=2";

    [Fact]
    public void Dry_run_prints_the_deploy_command_with_the_key_from_Secret_Manager()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "my-proj"), ("GCP_REGION", "europe-west1"), ("API_KEY_SECRET", "customgpt-api-key"));
        Assert.True(code == 0, stderr);
        Assert.Equal(Common + " --set-secrets=API_KEY=customgpt-api-key:latest --allow-unauthenticated", stdout.Trim());
    }

    [Fact]
    public void Dry_run_with_a_master_key_and_Cloud_SQL_takes_both_secrets_from_Secret_Manager()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "my-proj"), ("GCP_REGION", "europe-west1"),
            ("MASTER_KEY_SECRET", "customgpt-master-key"), ("DATABASE_URL_SECRET", "customgpt-database-url:2"), ("CLOUD_SQL_INSTANCE", "my-proj:europe-west1:customgpt"));
        Assert.True(code == 0, stderr);
        Assert.Equal(Common + " --set-secrets=MASTER_KEY=customgpt-master-key:latest,DATABASE_URL=customgpt-database-url:2" +
            " --add-cloudsql-instances=my-proj:europe-west1:customgpt --allow-unauthenticated", stdout.Trim());
    }

    [Fact]
    public void Dry_run_with_a_plain_key_passes_it_as_an_env_var_but_never_prints_it()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "my-proj"), ("GCP_REGION", "europe-west1"), ("API_KEY", "s3cret-value"));
        Assert.True(code == 0, stderr);
        Assert.Equal(Common.Replace("THREADS=2", "THREADS=2,API_KEY=***", StringComparison.Ordinal).Replace("--set-env-vars=", "'--set-env-vars=", StringComparison.Ordinal) + "' --allow-unauthenticated", stdout.Trim());
        Assert.DoesNotContain("s3cret-value", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_access_min_instances_queue_and_build_are_settings()
    {
        var (code, stdout, stderr) = Deploy(["--build", "--dry-run"],
            ("GCP_PROJECT", "my-proj"), ("ACCESS", "private"), ("MIN_INSTANCES", "1"), ("PARALLEL", "2"), ("MAX_QUEUE", "30"),
            ("SERVICE", "gpt"), ("IMAGE", "europe-docker.pkg.dev/my-proj/r/api:v2"));
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal("gcloud builds submit --project=my-proj --region=us-central1 --config=deploy/cloudrun/cloudbuild.yaml --substitutions=_IMAGE=europe-docker.pkg.dev/my-proj/r/api:v2 .", lines[0]);
        Assert.Equal("gcloud run deploy gpt --project=my-proj --region=us-central1 --image=europe-docker.pkg.dev/my-proj/r/api:v2 --port=8080 " +
            "--memory=2Gi --cpu=2 --cpu-boost --timeout=300 --concurrency=32 --min-instances=1 --max-instances=10 " +
            "--set-env-vars=PARALLEL=2,MAX_QUEUE=30,THREADS=2 --no-allow-unauthenticated", lines[1]);
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public void A_missing_project_is_a_clear_error_and_nothing_runs()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("API_KEY_SECRET", "k"));
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("GCP_PROJECT is not set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_access_without_a_key_and_bad_numbers_are_clear_errors()
    {
        var (code, _, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "p"), ("PARALLEL", "four"));
        Assert.Equal(1, code);
        Assert.Contains("ACCESS=public needs an API key", stderr, StringComparison.Ordinal);
        Assert.Contains("PARALLEL='four' must be a whole number", stderr, StringComparison.Ordinal);
        Assert.Equal(2, Deploy(["--dry-rn"], ("GCP_PROJECT", "p")).Code);
    }

    [Fact]
    public void The_service_yaml_matches_the_script_and_the_image()
    {
        var (_, stdout, _) = Deploy(["--dry-run"], ("GCP_PROJECT", "p"), ("API_KEY_SECRET", "customgpt-api-key"));
        var flags = stdout.Trim().Split(' ').Where(w => w.StartsWith("--", StringComparison.Ordinal) && w.Contains('=', StringComparison.Ordinal))
            .ToDictionary(w => w[2..w.IndexOf('=', StringComparison.Ordinal)], w => w[(w.IndexOf('=', StringComparison.Ordinal) + 1)..]);

        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repo.Read("deploy/cloudrun/service.yaml")));
        var service = (YamlMappingNode)yaml.Documents.Single().RootNode;
        Assert.Equal("serving.knative.dev/v1", Scalar(service, "apiVersion"));
        Assert.Equal("Service", Scalar(service, "kind"));
        var template = Map(Map(service, "spec"), "template");
        var annotations = Map(Map(template, "metadata"), "annotations");
        var spec = Map(template, "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)spec["containers"]).Single();
        var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => e);

        Assert.Equal(flags["min-instances"], Scalar(annotations, "autoscaling.knative.dev/minScale"));
        Assert.Equal(flags["max-instances"], Scalar(annotations, "autoscaling.knative.dev/maxScale"));
        Assert.Equal(flags["concurrency"], Scalar(spec, "containerConcurrency"));
        Assert.Equal(flags["timeout"], Scalar(spec, "timeoutSeconds"));
        Assert.Equal(flags["cpu"], Scalar(Map(Map(container, "resources"), "limits"), "cpu"));
        Assert.Equal(flags["memory"], Scalar(Map(Map(container, "resources"), "limits"), "memory"));
        Assert.Equal(flags["set-env-vars"], string.Join(',', new[] { "PARALLEL", "MAX_QUEUE", "THREADS" }.Select(k => $"{k}={Scalar(env[k], "value")}")));
        Assert.Equal(int.Parse(Scalar(env["PARALLEL"], "value")) + int.Parse(Scalar(env["MAX_QUEUE"], "value")), int.Parse(Scalar(spec, "containerConcurrency")));
        Assert.Equal("customgpt-api-key", Scalar(Map(Map(env["API_KEY"], "valueFrom"), "secretKeyRef"), "name"));

        var port = new Dockerfile(Repo.PathOf("Dockerfile.api")).Final.Env["PORT"];
        Assert.Equal(port, flags["port"]);
        Assert.Equal(port, Scalar((YamlMappingNode)((YamlSequenceNode)container["ports"]).Single(), "containerPort"));
        foreach (var probe in new[] { "startupProbe", "livenessProbe" })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal("/health", Scalar(get, "path"));
            Assert.Equal(port, Scalar(get, "port"));
        }
        // Cloud Run allows a startup probe at most 240 s in all; the model may be downloading meanwhile.
        var startup = Map(container, "startupProbe");
        Assert.InRange(int.Parse(Scalar(startup, "periodSeconds")) * int.Parse(Scalar(startup, "failureThreshold")), 60, 240);
    }

    [Fact]
    public void Cloud_Build_builds_Dockerfile_api_into_the_image_the_script_deploys()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repo.Read("deploy/cloudrun/cloudbuild.yaml")));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var args = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)root["steps"]).Single())["args"]).Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal(["build", "-f", "Dockerfile.api", "-t", "${_IMAGE}", "."], args);
        Assert.Equal("${_IMAGE}", ((YamlScalarNode)((YamlSequenceNode)root["images"]).Single()).Value);
    }

    internal static (int Code, string Stdout, string Stderr) Deploy(string[] args, params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo("bash", [Repo.PathOf(Script), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // the script finds the repository itself
        };
        foreach (var key in Settings) info.Environment.Remove(key);
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("deploy.sh did not finish");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
