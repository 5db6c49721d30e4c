using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>MODELS_CONFIG in LiteLLM's config.yaml shape: what parses, what is ignored with a warning, and what stops the start.</summary>
public class ModelsConfigTests
{
    static readonly Dictionary<string, string> Environment = new()
    {
        ["HOSTED_API_KEY"] = "sk-hosted-secret-value",
        ["BACKUP_KEY"] = "sk-backup-secret-value",
        ["MASTER_KEY"] = "master-key-from-the-environment",
        ["DATABASE_URL"] = "postgresql://u:p@db/keys",
        ["OPENAI_API_KEY"] = "sk-openai",
    };

    static ModelsConfig Parse(string yaml, string? defaultModel = null, int parallel = 4) =>
        ModelsConfigLoader.Parse(yaml, TestModels.Directory, name => Environment.GetValueOrDefault(name), (parallel, null), defaultModel);

    static string Refused(string yaml, string? defaultModel = null) =>
        Assert.Throws<InvalidSettingsException>(() => Parse(yaml, defaultModel)).Message;

    [Fact]
    public void Router_settings_left_out_are_LiteLLMs_defaults()
    {
        // litellm/constants.py: DEFAULT_MAX_RETRIES 2, DEFAULT_ALLOWED_FAILS 3, DEFAULT_COOLDOWN_TIME_SECONDS 5; litellm.request_timeout 6000 s.
        var d = RouterSettings.Default;
        Assert.Equal((2, TimeSpan.FromSeconds(6000), 3, TimeSpan.FromSeconds(5)), (d.NumRetries, d.Timeout, d.AllowedFails, d.CooldownTime));
    }

    [Fact]
    public void The_issue_example_parses_into_local_models_upstream_deployments_and_router_settings()
    {
        var config = Parse($$"""
            model_list:
              - model_name: bible-gpt
                litellm_params:
                  model: gguf/{{Path.GetFileName(TestModels.Tiny)}}
              - model_name: hosted
                litellm_params:
                  model: openai/gpt-4o-mini
                  api_base: https://api.example.com/v1
                  api_key: os.environ/HOSTED_API_KEY
                  timeout: 60
                  rpm: 600
                model_info:
                  input_cost_per_token: 0.00000015
                  output_cost_per_token: 0.0000006
              - model_name: hosted
                litellm_params: { model: openai/gpt-4o-mini, api_base: https://backup.example.com/v1, api_key: os.environ/BACKUP_KEY }
            router_settings: { num_retries: 2, timeout: 45, allowed_fails: 4, cooldown_time: 30 }
            litellm_settings: { fallbacks: [ { hosted: [ bible-gpt ] } ] }
            general_settings: { master_key: os.environ/MASTER_KEY, database_url: os.environ/DATABASE_URL }
            """);

        Assert.Equal(["bible-gpt", "hosted"], config.Names);
        Assert.Equal("bible-gpt", config.DefaultModel);
        var local = Assert.Single(config.Local);
        Assert.Equal(TestModels.Tiny, local.Source); // relative to the config file's folder
        Assert.Equal((4, (int?)null, ModelCosts.Free), (local.Parallel, local.ContextSize, local.Costs));
        Assert.Equal(2, config.Upstreams.Count);
        var (first, backup) = (config.Upstreams[0], config.Upstreams[1]);
        Assert.Equal(("hosted", "gpt-4o-mini", "sk-hosted-secret-value", 600), (first.ModelName, first.UpstreamModel, first.ApiKey, first.Rpm));
        Assert.Equal(new Uri("https://api.example.com/v1"), first.ApiBase);
        Assert.Equal(TimeSpan.FromSeconds(60), first.Timeout);
        Assert.Equal(new ModelCosts(0.00000015, 0.0000006), first.Costs);
        Assert.Equal("sk-backup-secret-value", backup.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(45), backup.Timeout); // router_settings.timeout when the entry has none
        Assert.Equal(ModelCosts.Free, backup.Costs);
        Assert.DoesNotContain("sk-", first.ToString(), StringComparison.Ordinal);
        Assert.Equal((2, TimeSpan.FromSeconds(45), 4, TimeSpan.FromSeconds(30)),
            (config.Router.NumRetries, config.Router.Timeout, config.Router.AllowedFails, config.Router.CooldownTime));
        Assert.Equal(["bible-gpt"], config.Router.Fallbacks["hosted"]);
        Assert.Equal(("master-key-from-the-environment", "postgresql://u:p@db/keys"), (config.MasterKey, config.DatabaseUrl));
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void Local_entries_take_their_own_lanes_absolute_paths_and_download_addresses()
    {
        var config = Parse($$"""
            model_list:
              - model_name: a
                litellm_params: { model: gguf/{{TestModels.Tiny}}, parallel: 2, context_size: 256 }
              - model_name: b
                litellm_params: { model: "gguf/https://models.example.com/b.gguf?sig=secret" }
              - model_name: c
                litellm_params: { model: gguf/gs://bucket/path/c.gguf }
                model_info: { input_cost_per_token: 0.5 }
            """, defaultModel: "c", parallel: 3);
        Assert.Equal(TestModels.Tiny, config.Local[0].Source); // gguf//abs/path is absolute
        Assert.Equal((2, (int?)256), (config.Local[0].Parallel, config.Local[0].ContextSize));
        Assert.Equal("https://models.example.com/b.gguf?sig=secret", config.Local[1].Source);
        Assert.Equal(3, config.Local[1].Parallel); // PARALLEL when the entry has none
        Assert.Equal("gs://bucket/path/c.gguf", config.Local[2].Source);
        Assert.Equal(new ModelCosts(0.5, 0), config.Local[2].Costs);
        Assert.Equal("c", config.DefaultModel);
        // One file under two names with the same lanes is one loaded model.
        var shared = Parse($$"""
            model_list:
              - { model_name: a, litellm_params: { model: gguf/{{TestModels.Tiny}} } }
              - { model_name: b, litellm_params: { model: gguf/{{TestModels.Tiny}} } }
            """);
        Assert.Equal(["a", "b"], shared.Names);
    }

    [Fact]
    public void Keys_ModelApi_does_not_use_are_ignored_with_one_warning_line_each()
    {
        var config = Parse("""
            model_list:
              - model_name: gpt-4
                litellm_params:
                  model: openai/gpt-4
                  api_key: os.environ/OPENAI_API_KEY
                  organization: my-org
                  stream_timeout: 60
                model_info:
                  id: deployment-1
                  mode: chat
            litellm_settings:
              drop_params: true
              success_callback: ["langfuse"]
            router_settings:
              routing_strategy: least-busy
            general_settings:
              alerting: ["slack"]
            environment_variables:
              REDIS_HOST: localhost
            """);
        Assert.Equal(
        [
            "MODELS_CONFIG: model_list[0].litellm_params.organization is not used by ModelApi; ignored.",
            "MODELS_CONFIG: model_list[0].litellm_params.stream_timeout is not used by ModelApi; ignored.",
            "MODELS_CONFIG: model_list[0].model_info.id is not used by ModelApi; ignored.",
            "MODELS_CONFIG: model_list[0].model_info.mode is not used by ModelApi; ignored.",
            "MODELS_CONFIG: litellm_settings.drop_params is not used by ModelApi; ignored.",
            "MODELS_CONFIG: litellm_settings.success_callback is not used by ModelApi; ignored.",
            "MODELS_CONFIG: router_settings.routing_strategy is not used by ModelApi; ignored.",
            "MODELS_CONFIG: general_settings.alerting is not used by ModelApi; ignored.",
            "MODELS_CONFIG: environment_variables is not used by ModelApi; ignored.",
        ], config.Warnings);
        Assert.Equal(ModelsConfigLoader.OpenAiApiBase, config.Upstreams[0].ApiBase); // LiteLLM's default for openai/
    }

    /// <summary>Configs in the shapes LiteLLM's documentation shows (its proxy quick start, load balancing and fallbacks).</summary>
    [Fact]
    public void LiteLLMs_documented_example_configs_parse()
    {
        // Proxy docs: a fake OpenAI endpoint under two names, with callbacks and a schema flag ModelApi has no use for.
        var fake = Parse("""
            model_list:
              - model_name: fake-openai-endpoint
                litellm_params:
                  model: openai/fake
                  api_key: fake-key
                  api_base: https://exampleopenaiendpoint-production.up.railway.app/
              - model_name: gpt-4
                litellm_params:
                  model: openai/gpt-4
                  api_key: fake-key
                  api_base: https://exampleopenaiendpoint-production.up.railway.app/
            litellm_settings:
              callbacks: ["gcs_bucket"]
            general_settings:
              disable_prisma_schema_update: true
            """);
        Assert.Equal(["fake-openai-endpoint", "gpt-4"], fake.Names);
        Assert.Equal(2, fake.Warnings.Count);

        // Load balancing with per-deployment rpm/tpm, fallbacks in litellm_settings and the router's retry settings.
        var balanced = Parse("""
            model_list:
              - model_name: gpt-3.5-turbo
                litellm_params:
                  model: openai/gpt-3.5-turbo
                  api_key: os.environ/OPENAI_API_KEY
                  api_base: https://api.openai.com/v1
                  rpm: 480
                  tpm: 100000
                  timeout: 300
              - model_name: gpt-3.5-turbo
                litellm_params:
                  model: openai/gpt-3.5-turbo-16k
                  api_key: os.environ/OPENAI_API_KEY
                  rpm: 60
              - model_name: gpt-4
                litellm_params:
                  model: openai/gpt-4
                  api_key: os.environ/OPENAI_API_KEY
            litellm_settings:
              num_retries: 3
              request_timeout: 600
              fallbacks:
                - gpt-4: ["gpt-3.5-turbo"]
            router_settings:
              num_retries: 3
              timeout: 30
              allowed_fails: 3
              cooldown_time: 60
            general_settings:
              master_key: sk-1234
            """);
        Assert.Equal(["gpt-3.5-turbo", "gpt-4"], balanced.Names);
        Assert.Equal([480, 60, null], balanced.Upstreams.Select(u => u.Rpm));
        Assert.Equal((3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)), (balanced.Router.NumRetries, balanced.Router.Timeout, balanced.Router.CooldownTime));
        Assert.Equal(["gpt-3.5-turbo"], balanced.Router.Fallbacks["gpt-4"]);
        Assert.Equal("sk-1234", balanced.MasterKey);
        Assert.Empty(balanced.Warnings);
    }

    [Theory]
    [InlineData("missing-file", "model_list[0] (a): the model file", "does not exist")]
    [InlineData("unset-environment", "model_list[0] (hosted) litellm_params.api_key is os.environ/NOT_SET_ANYWHERE", "NOT_SET_ANYWHERE is not set")]
    [InlineData("azure-provider", "model_list[0] (hosted) litellm_params.model 'azure/gpt-4o'", "the provider 'azure/'")]
    [InlineData("no-provider", "model_list[0] (hosted) litellm_params.model 'gpt-3.5-turbo'", "no provider prefix")]
    [InlineData("conflicting-duplicate", "model_list[1] (b)", "is also served as 'a' with parallel 2")]
    [InlineData("same-name-twice", "model_list[1] (a)", "listed twice as a local model")]
    [InlineData("local-and-upstream", "model_list[1] (a)", "already a local model")]
    [InlineData("unknown-fallback", "litellm_settings.fallbacks for 'a' names 'nowhere'", "does not serve")]
    [InlineData("empty", "model_list is empty", "at least one model")]
    [InlineData("no-name", "model_list[0] has no model_name", "")]
    [InlineData("bad-yaml", "line ", "")]
    [InlineData("bad-number", "line ", "")]
    [InlineData("bad-parallel", "model_list[0] (a) litellm_params.parallel", "from 1 to 64")]
    [InlineData("api-base-with-password", "model_list[0] (hosted) litellm_params.api_base", "without credentials")]
    [InlineData("unknown-default", "DEFAULT_MODEL='other' is not in MODELS_CONFIG", "'a'")]
    public void What_cannot_work_is_refused_naming_the_entry(string @case, string names, string says)
    {
        var tiny = TestModels.Tiny;
        var yaml = @case switch
        {
            "missing-file" => "model_list: [ { model_name: a, litellm_params: { model: gguf/models/none.gguf } } ]",
            "unset-environment" => "model_list: [ { model_name: hosted, litellm_params: { model: openai/gpt-4o, api_key: os.environ/NOT_SET_ANYWHERE } } ]",
            "azure-provider" => "model_list: [ { model_name: hosted, litellm_params: { model: azure/gpt-4o, api_key: os.environ/HOSTED_API_KEY } } ]",
            "no-provider" => "model_list: [ { model_name: hosted, litellm_params: { model: gpt-3.5-turbo } } ]",
            "conflicting-duplicate" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny}, parallel: 2 }} }}, {{ model_name: b, litellm_params: {{ model: gguf/{tiny}, parallel: 4 }} }} ]",
            "same-name-twice" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny} }} }}, {{ model_name: a, litellm_params: {{ model: gguf/{TestModels.Wide} }} }} ]",
            "local-and-upstream" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny} }} }}, {{ model_name: a, litellm_params: {{ model: openai/x }} }} ]",
            "unknown-fallback" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny} }} }} ]\nlitellm_settings: {{ fallbacks: [ {{ a: [ nowhere ] }} ] }}",
            "empty" => "model_list: []",
            "no-name" => "model_list: [ { litellm_params: { model: openai/x } } ]",
            "bad-yaml" => "model_list: [ { model_name: a, litellm_params: { model: openai/x }",
            "bad-number" => "model_list: [ { model_name: a, litellm_params: { model: openai/x, rpm: many } } ]",
            "bad-parallel" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny}, parallel: 0 }} }} ]",
            "api-base-with-password" => "model_list: [ { model_name: hosted, litellm_params: { model: openai/x, api_base: 'https://user:pw@h.example.com/v1' } } ]",
            "unknown-default" => $"model_list: [ {{ model_name: a, litellm_params: {{ model: gguf/{tiny} }} }} ]",
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };
        var message = Refused(yaml, @case == "unknown-default" ? "other" : null);
        Assert.Contains(names, message, StringComparison.Ordinal);
        Assert.Contains(says, message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-hosted-secret-value", message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_MODELS_CONFIG_nothing_changes_and_with_it_general_settings_fill_what_the_environment_leaves_unset()
    {
        Assert.Null(ApiServer.ReadSettings().Models);
        var file = Path.Combine(System.IO.Directory.CreateTempSubdirectory("customgpt-config-").FullName, "config.yaml");
        File.WriteAllText(file, $"""
            model_list: [ {"{"} model_name: a, litellm_params: {"{"} model: gguf/{TestModels.Tiny} {"}"} {"}"} ]
            general_settings: {"{"} master_key: os.environ/CONFIG_MASTER {"}"}
            """);
        var settings = ApiServer.ReadSettings(("MODELS_CONFIG", file), ("CONFIG_MASTER", "a-master-key-from-config-file"));
        Assert.Equal("a-master-key-from-config-file", settings.MasterKey);
        Assert.Equal(["a"], settings.Models!.Names);
        // The environment wins; a missing file names the setting.
        Assert.Equal(Keys.Master, ApiServer.ReadSettings(("MODELS_CONFIG", file), ("CONFIG_MASTER", "a-master-key-from-config-file"), ("MASTER_KEY", Keys.Master)).MasterKey);
        var e = Assert.Throws<InvalidSettingsException>(() => ApiServer.ReadSettings(("MODELS_CONFIG", file + ".missing")));
        Assert.Contains("MODELS_CONFIG=", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_with_code_2_naming_the_entry()
    {
        var file = Path.Combine(System.IO.Directory.CreateTempSubdirectory("customgpt-config-").FullName, "config.yaml");
        File.WriteAllText(file, "model_list: [ { model_name: hosted, litellm_params: { model: openai/gpt-4o, api_key: os.environ/HOSTED_KEY_NOT_SET } } ]");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ModelApi.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["PORT"] = "0";
        info.Environment["MODELS_CONFIG"] = file;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("model_list[0] (hosted) litellm_params.api_key is os.environ/HOSTED_KEY_NOT_SET", await stderr, StringComparison.Ordinal);
    }
}
