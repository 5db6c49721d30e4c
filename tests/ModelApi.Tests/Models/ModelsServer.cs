using System.Net;

namespace CustomGpt.ModelApi.Tests.Models;

/// <summary>
/// One ModelApi on a real socket serving a MODELS_CONFIG with two local models side by side ("alpha": the tiny ASCII
/// model with 2 lanes of 256; "beta": the wide multi-byte one) and an upstream name ("hosted") that nothing answers,
/// with virtual keys on SQLite (or on <paramref name="databaseUrl"/>). Shared by a test class.
/// </summary>
public class ModelsServer : IAsyncLifetime, IDisposable
{
    public const string Alpha = "alpha", Beta = "beta", Hosted = "hosted";
    /// <summary>hosted's costs per token: what a budget is charged when it is used.</summary>
    public const double HostedInput = 0.001, HostedOutput = 0.002;
    /// <summary>beta's costs per token (a local model costs nothing unless configured).</summary>
    public const double BetaInput = 0.01, BetaOutput = 0.02;

    public ModelsServer() : this(null)
    {
    }

    protected ModelsServer(string? databaseUrl)
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("customgpt-models-").FullName;
        ConfigPath = Path.Combine(folder, "config.yaml");
        File.WriteAllText(ConfigPath, $$"""
            model_list:
              - model_name: {{Alpha}}
                litellm_params: { model: gguf/{{TestModels.Tiny}}, parallel: 2, context_size: 256 }
              - model_name: {{Beta}}
                litellm_params: { model: gguf/{{TestModels.Wide}}, parallel: 1 }
                model_info: { input_cost_per_token: {{BetaInput}}, output_cost_per_token: {{BetaOutput}} }
              - model_name: {{Hosted}}
                litellm_params: { model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:9/v1", api_key: os.environ/HOSTED_TEST_KEY }
                model_info: { input_cost_per_token: {{HostedInput}}, output_cost_per_token: {{HostedOutput}} }
            """);
        (string, string)[] keys = databaseUrl is null ? Keys.OnSqlite() : [("MASTER_KEY", Keys.Master), ("DATABASE_URL", databaseUrl)];
        Server = new ApiServer(TestModels.Tiny, source: null, [("MODELS_CONFIG", ConfigPath), ("HOSTED_TEST_KEY", "sk-hosted-test-secret"), .. keys]);
    }

    public string ConfigPath { get; }
    public ApiServer Server { get; }
    public HttpClient Http => Server.Http;

    public async Task InitializeAsync()
    {
        await Api.EventuallyAsync(async () =>
        {
            using var health = await Http.GetAsync("/health");
            return health.StatusCode == HttpStatusCode.OK;
        }, "both local models have loaded");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Server.Dispose();
        GC.SuppressFinalize(this);
    }
}
