using System.Net.Http.Json;

namespace CustomGpt.Tests.Shared;

/// <summary>ModelApi as a real process (its DLL is copied next to the tests by the project reference).
/// One thread: llama.cpp's threads spin while they wait, and the machine running tests may be small.</summary>
public sealed class ModelApiProcess(string modelPath, params (string Key, string Value)[] env)
    : ServerProcess(Path.Combine(AppContext.BaseDirectory, "ModelApi.dll"), AppContext.BaseDirectory,
        [("MODEL_PATH", modelPath), ("THREADS", "1"), .. env])
{
    /// <summary>Waits until GET /health says the model is ready (a hang guard, not a timing assertion).</summary>
    public async Task<ModelApiProcess> ReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address };
        for (var i = 0; i < 1200; i++)
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
            if (response.IsSuccessStatusCode) return this;
            await Task.Delay(50);
        }
        throw new TimeoutException("The model did not load:\n" + Output);
    }

    /// <summary>customgpt_requests_total{outcome=...} from GET /metrics: "completed", "cancelled", ...</summary>
    public Task<long> RequestsAsync(string outcome) => MetricAsync($"customgpt_requests_total{{outcome=\"{outcome}\"}}");

    /// <summary>Waits until no request is decoding or queued (a hang guard, not a timing assertion).</summary>
    public async Task IdleAsync()
    {
        for (var i = 0; i < 1200; i++)
        {
            if (await MetricAsync("customgpt_requests_active") == 0 && await MetricAsync("customgpt_requests_queued") == 0) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("ModelApi stayed busy.");
    }

    /// <summary>One sample of GET /metrics (Prometheus text), by its name and labels.</summary>
    public async Task<long> MetricAsync(string series)
    {
        using var http = new HttpClient { BaseAddress = Address };
        if (ApiKey is not null) http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return Metrics.Value(await http.GetStringAsync(new Uri("metrics", UriKind.Relative)), series);
    }

    string? ApiKey => env.FirstOrDefault(e => e.Key == "API_KEY").Value;

    /// <summary>POST /tokenize straight to the API, to compare what a page shows with the source.</summary>
    public async Task<int> TokenCountAsync(string text)
    {
        using var http = new HttpClient { BaseAddress = Address };
        using var response = await http.PostAsJsonAsync(new Uri("tokenize", UriKind.Relative), new { text });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("count").GetInt32();
    }
}
