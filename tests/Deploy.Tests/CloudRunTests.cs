using YamlDotNet.RepresentationModel;

namespace CustomGpt.Deploy.Tests;

/// <summary>deploy/cloudrun: the script's commands (--dry-run, run with bash) and the service YAML.</summary>
public sealed class CloudRunTests
{
    const string Script = "deploy/cloudrun/deploy.sh";

    const string Probes = "--startup-probe=httpGet.path=/health,httpGet.port=8080,periodSeconds=5,timeoutSeconds=3,failureThreshold=48 " +
        "--liveness-probe=httpGet.path=/health,httpGet.port=8080,periodSeconds=30,timeoutSeconds=5,failureThreshold=3";

    const string Common = "gcloud run deploy customgpt-api --project=my-proj --region=europe-west1 " +
        "--image=europe-west1-docker.pkg.dev/my-proj/customgpt/modelapi:latest --port=8080 --memory=2Gi --cpu=2 --cpu-boost --cpu-throttling " +
        "--timeout=300 --concurrency=16 --min-instances=0 --max-instances=10 " + Probes + " --set-env-vars=PARALLEL=4,MAX_QUEUE=12,THREADS=2,TRUST_FORWARDED_FOR=true";

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
        Assert.Equal(Common.Replace("TRUST_FORWARDED_FOR=true", "TRUST_FORWARDED_FOR=true,API_KEY=***", StringComparison.Ordinal).Replace("--set-env-vars=", "'--set-env-vars=", StringComparison.Ordinal) + "' --allow-unauthenticated", stdout.Trim());
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
            "--memory=2Gi --cpu=2 --cpu-boost --cpu-throttling --timeout=300 --concurrency=32 --min-instances=1 --max-instances=10 " + Probes +
            " --set-env-vars=PARALLEL=2,MAX_QUEUE=30,THREADS=2,TRUST_FORWARDED_FOR=true --no-allow-unauthenticated", lines[1]);
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

    /// <summary>The guides set the project once (PROJECT_ID, or `gcloud config set project`); the script takes either.</summary>
    [Fact]
    public void The_project_comes_from_PROJECT_ID_or_else_from_gcloud_config()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("PROJECT_ID", "guide-proj"), ("API_KEY_SECRET", "k"));
        Assert.True(code == 0, stderr);
        Assert.StartsWith("gcloud run deploy customgpt-api --project=guide-proj --region=us-central1 --image=us-central1-docker.pkg.dev/guide-proj/", stdout, StringComparison.Ordinal);

        using var path = new ScriptPath(withGcloud: true);
        (code, stdout, stderr) = Scripts.Run(Script, ["--dry-run"], path, ("FAKE_PROJECT", "configured-proj"), ("API_KEY_SECRET", "k"));
        Assert.True(code == 0, stderr);
        Assert.Contains(" --project=configured-proj ", stdout, StringComparison.Ordinal);
        Assert.Equal(["config get-value project"], path.GcloudCalls); // a dry run asks gcloud nothing else

        (code, _, stderr) = Scripts.Run(Script, ["--dry-run"], path, ("API_KEY_SECRET", "k")); // gcloud without a default project
        Assert.Equal(1, code);
        Assert.Contains("gcloud has no default project", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_cpu_memory_throttling_and_the_service_account_are_settings()
    {
        var (code, stdout, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "p"), ("ACCESS", "private"),
            ("TIMEOUT", "600"), ("CPU", "4"), ("MEMORY", "8Gi"), ("CPU_THROTTLING", "false"), ("SERVICE_ACCOUNT", "modelapi@p.iam.gserviceaccount.com"),
            ("MODEL_URL", "gs://my-models/tinyllama.gguf"));
        Assert.True(code == 0, stderr);
        var words = stdout.Trim().Split(' ');
        Assert.Contains("--timeout=600", words);
        Assert.Contains("--cpu=4", words);
        Assert.Contains("--memory=8Gi", words);
        Assert.Contains("--no-cpu-throttling", words);
        Assert.DoesNotContain("--cpu-throttling", words);
        Assert.Contains("--service-account=modelapi@p.iam.gserviceaccount.com", words);
        Assert.Contains("--set-env-vars=PARALLEL=4,MAX_QUEUE=12,THREADS=2,TRUST_FORWARDED_FOR=true,MODEL_URL=gs://my-models/tinyllama.gguf", words);

        (code, _, stderr) = Deploy(["--dry-run"], ("GCP_PROJECT", "p"), ("ACCESS", "private"), ("TIMEOUT", "4000"), ("CPU", "two"), ("MEMORY", "2GB"), ("CPU_THROTTLING", "yes"));
        Assert.Equal(1, code);
        Assert.Contains("TIMEOUT='4000' must be from 1 to 3600 seconds", stderr, StringComparison.Ordinal);
        Assert.Contains("CPU='two' must be a number of CPUs", stderr, StringComparison.Ordinal);
        Assert.Contains("MEMORY='2GB' must be a size such as 2Gi", stderr, StringComparison.Ordinal);
        Assert.Contains("CPU_THROTTLING='yes' must be true or false", stderr, StringComparison.Ordinal);
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
        yaml.Load(new StringReader(Repository.Read("deploy/cloudrun/service.yaml")));
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
        Assert.Equal(flags["set-env-vars"], string.Join(',', new[] { "PARALLEL", "MAX_QUEUE", "THREADS", "TRUST_FORWARDED_FOR" }.Select(k => $"{k}={Scalar(env[k], "value")}")));
        Assert.Equal(int.Parse(Scalar(env["PARALLEL"], "value")) + int.Parse(Scalar(env["MAX_QUEUE"], "value")), int.Parse(Scalar(spec, "containerConcurrency")));
        Assert.Equal("customgpt-api-key", Scalar(Map(Map(env["API_KEY"], "valueFrom"), "secretKeyRef"), "name"));

        var port = new Dockerfile(Repository.PathOf("Dockerfile.api")).Final.Env["PORT"];
        Assert.Equal(port, flags["port"]);
        Assert.Equal(port, Scalar((YamlMappingNode)((YamlSequenceNode)container["ports"]).Single(), "containerPort"));
        foreach (var probe in new[] { "startupProbe", "livenessProbe" })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal("/health", Scalar(get, "path"));
            Assert.Equal(port, Scalar(get, "port"));
        }
        // The scripted path sets the same probes as the YAML.
        foreach (var (probe, flag) in new[] { ("startupProbe", "startup-probe"), ("livenessProbe", "liveness-probe") })
        {
            var settings = flags[flag].Split(',').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
            var yamlProbe = Map(container, probe);
            Assert.Equal(settings["httpGet.path"], Scalar(Map(yamlProbe, "httpGet"), "path"));
            Assert.Equal(settings["httpGet.port"], Scalar(Map(yamlProbe, "httpGet"), "port"));
            foreach (var key in new[] { "periodSeconds", "timeoutSeconds", "failureThreshold" })
                Assert.Equal(settings[key], Scalar(yamlProbe, key));
        }
        Assert.Contains("--cpu-throttling", stdout.Split(' '));
        Assert.Equal("true", Scalar(annotations, "run.googleapis.com/cpu-throttling"));
        // Cloud Run allows a startup probe at most 240 s in all; the model may be downloading meanwhile.
        var startup = Map(container, "startupProbe");
        Assert.InRange(int.Parse(Scalar(startup, "periodSeconds")) * int.Parse(Scalar(startup, "failureThreshold")), 60, 240);
    }

    [Fact]
    public void Cloud_Build_builds_Dockerfile_api_into_the_image_the_script_deploys()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repository.Read("deploy/cloudrun/cloudbuild.yaml")));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var args = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)root["steps"]).Single())["args"]).Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal(["build", "-f", "Dockerfile.api", "-t", "${_IMAGE}", "."], args);
        Assert.Equal("${_IMAGE}", ((YamlScalarNode)((YamlSequenceNode)root["images"]).Single()).Value);
    }

    /// <summary>deploy.sh on a PATH without gcloud (this machine may have a real one).</summary>
    internal static (int Code, string Stdout, string Stderr) Deploy(string[] args, params (string Key, string Value)[] env)
    {
        using var path = new ScriptPath(withGcloud: false);
        return Scripts.Run(Script, args, path, env);
    }

    static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
