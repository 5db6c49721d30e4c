using System.Net.Http.Json;
using System.Text.Json;

namespace CustomGpt.Dashboard.Tests;

/// <summary>ModelApi serving two models (MODELS_CONFIG) with MASTER_KEY on a fresh SQLite file, and a Dashboard with no key
/// of its own: people sign in with theirs.</summary>
public sealed class KeyStack : IAsyncLifetime
{
    public const string Master = "master-key-for-dashboard-tests";
    /// <summary>The models the API serves, in its order (the first is the default).</summary>
    public static readonly string[] Models = ["tiny", "wide"];
    /// <summary>What the second model charges per token (the first, local, costs nothing): spend shows on the Keys page.</summary>
    public const double WideCostPerToken = 0.01;

    public ModelApiProcess Api { get; private set; } = null!;
    public DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var folder = Directory.CreateTempSubdirectory("customgpt-dashboard-keys-").FullName;
        // Two small local models with different alphabets (ASCII, multi-byte): which one wrote a text shows in the text.
        var config = Path.Combine(folder, "config.yaml");
        await File.WriteAllTextAsync(config, $$"""
            model_list:
              - model_name: {{Models[0]}}
                litellm_params: { model: gguf/{{TestModels.Tiny}} }
              - model_name: {{Models[1]}}
                litellm_params: { model: gguf/{{TestModels.Wide}}, parallel: 1 }
                model_info: { input_cost_per_token: {{WideCostPerToken}}, output_cost_per_token: {{WideCostPerToken}} }
            """);
        Api = await new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", Path.Combine(folder, "keys.db")), ("MODELS_CONFIG", config)).ReadyAsync();
        Dashboard = new DashboardProcess(Api.Address);
    }

    /// <summary>POST /key/generate with the master key, straight to ModelApi: the new secret.</summary>
    /// <param name="models">The models the key may use (null: any).</param>
    public async Task<string> NewKeyAsync(string alias, string[]? models = null)
    {
        using var response = await MasterCallAsync("key/generate", new { key_alias = alias, models });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public async Task DeleteKeyAsync(string secret) => (await MasterCallAsync("key/delete", new { keys = new[] { secret } })).Dispose();

    /// <summary>POST /key/update with the master key, straight to ModelApi.</summary>
    public async Task UpdateKeyAsync(object body) => (await MasterCallAsync("key/update", body)).Dispose();

    /// <summary>GET /key/info?key=... with the master key: the key's settings and usage as ModelApi holds them.</summary>
    public async Task<JsonElement> KeyInfoAsync(string secret)
    {
        using var http = new HttpClient { BaseAddress = Api.Address };
        http.DefaultRequestHeaders.Add("X-API-Key", Master);
        return (await http.GetFromJsonAsync<JsonElement>($"key/info?key={Uri.EscapeDataString(secret)}")).GetProperty("info");
    }

    async Task<HttpResponseMessage> MasterCallAsync(string route, object body)
    {
        using var http = new HttpClient { BaseAddress = Api.Address };
        http.DefaultRequestHeaders.Add("X-API-Key", Master);
        var response = await http.PostAsJsonAsync(route, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return response;
    }

    public Task DisposeAsync()
    {
        Dashboard?.Dispose();
        Api?.Dispose();
        return Task.CompletedTask;
    }
}
