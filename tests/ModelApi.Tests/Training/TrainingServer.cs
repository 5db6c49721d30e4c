using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>
/// ModelApi as a process with MASTER_KEY and a DATA_DIR of its own, for training jobs: one per test class, restartable
/// on the same data. The trainer gets one thread and reports often, so a job of a quarter minute shows a curve.
/// </summary>
public sealed class TrainingServer : IDisposable
{
    public string DataDir { get; } = Directory.CreateTempSubdirectory("customgpt-training-").FullName;
    public ModelApiProcess Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Hang guard for a job (it trains for well under a minute): far above what a busy machine needs.</summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    readonly (string Key, string Value)[] extra = [];

    public TrainingServer() => Start();

    /// <summary>With settings of its own besides these (e.g. TRAIN_OUTPUT_URL).</summary>
    internal TrainingServer((string Key, string Value)[] extra)
    {
        this.extra = extra;
        Start();
    }

    public (string Key, string Value)[] Environment =>
    [
        ("MASTER_KEY", Keys.Master), ("KEYS_DB", Path.Combine(DataDir, "keys.db")), ("TRAIN_THREADS", "1"),
        ("TRAIN_PROGRESS_SECONDS", "1"), ("TRAIN_EVAL_SECONDS", "2"), ("TRAIN_SAMPLE_SECONDS", "4"), .. extra,
    ];

    public void Start()
    {
        Server = new ModelApiProcess(TestModels.Tiny, Environment).ReadyAsync().GetAwaiter().GetResult();
        Http = Server.Client();
    }

    /// <summary>GET with a key (the master key unless told otherwise; null for none).</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? key = Keys.Master)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key);
        return await Http.SendAsync(request);
    }

    /// <summary>Stops ModelApi at once, as a crash or a redeploy would, and starts it again on the same DATA_DIR.</summary>
    public void Restart()
    {
        Http.Dispose();
        Server.Dispose();
        Start();
    }

    public async Task<HttpResponseMessage> UploadAsync(byte[] content, string name = "text.txt", string purpose = "fine-tune", string? key = Keys.Master)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(purpose), "purpose" },
            { new ByteArrayContent(content), "file", name },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/files") { Content = form };
        request.Headers.Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key);
        return await Http.SendAsync(request);
    }

    public async Task<string> UploadTextAsync(string text)
    {
        using var response = await UploadAsync(Encoding.UTF8.GetBytes(text));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    public async Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? key = Keys.Master)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key);
        return await Http.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<JsonElement> CreateJobAsync(object request) => await JsonAsync(await PostJsonAsync("/v1/fine_tuning/jobs", request));

    public async Task<JsonElement> JobAsync(string id) => await JsonAsync(await GetAsync($"/v1/fine_tuning/jobs/{id}"));

    /// <summary>Polls the job until it is as wanted (a hang guard, not a timing assertion).</summary>
    public async Task<JsonElement> WaitForJobAsync(string id, Func<JsonElement, bool> wanted)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var job = await JobAsync(id);
            if (wanted(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The job never got there: {job}\n{Server.Output}");
            await Task.Delay(200);
        }
    }

    public Task<JsonElement> WaitForStatusAsync(string id, string status) => WaitForJobAsync(id, j => j.GetProperty("status").GetString() == status);

    /// <summary>Reads GET .../events?stream=true until an event matches (or the stream ends); returns the events read, oldest first.</summary>
    public async Task<List<JsonElement>> StreamUntilAsync(string id, Func<JsonElement, bool> stop)
    {
        using var timeout = new CancellationTokenSource(JobTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/fine_tuning/jobs/{id}/events?stream=true");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Keys.Master);
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<JsonElement>();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]") break;
            var e = JsonDocument.Parse(data).RootElement.Clone();
            events.Add(e);
            if (stop(e)) break;
        }
        return events;
    }

    /// <summary>Every event of a job, oldest first (the list is newest first, as OpenAI's).</summary>
    public async Task<List<JsonElement>> EventsAsync(string id)
    {
        var list = await JsonAsync(await GetAsync($"/v1/fine_tuning/jobs/{id}/events?limit=10000"));
        return [.. list.GetProperty("data").EnumerateArray().Reverse()];
    }

    /// <summary>Waits until GET /health lists the model as ok (a hang guard), then generates from it by name.</summary>
    public async Task<string> GenerateFromAsync(string? model, string prompt, int chars = 120)
    {
        if (model is null)
            return (await JsonAsync(await PostJsonAsync("/generate", new { prompt, num_chars = chars, seed = 1, temperature = 0.5 }))).GetProperty("generated_text").GetString()!;
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var health = JsonDocument.Parse(await (await GetAsync("/health", null)).Content.ReadAsStringAsync()).RootElement;
            if (health.TryGetProperty("models", out var models) && models.EnumerateArray().Any(m => m.GetProperty("name").GetString() == model && m.GetProperty("status").GetString() == "ok")) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{model} never became ready: {health}\n{Server.Output}");
            await Task.Delay(100);
        }
        var generated = await JsonAsync(await PostJsonAsync("/generate", new { model, prompt, num_chars = chars, seed = 1, temperature = 0.5 }));
        return generated.GetProperty("generated_text").GetString()!;
    }

    /// <summary>The share of whole words in a generated text that the training text's generator can produce.</summary>
    public static double KnownWordShare(string text)
    {
        var words = text.Split([' ', '\n', ',', '.'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant()).ToList();
        return words.Count == 0 ? 0 : words.Count(w => CustomGpt.Trainer.Tests.TestTexts.Words.Contains(w)) / (double)words.Count;
    }

    public static IEnumerable<JsonElement> Metrics(IEnumerable<JsonElement> events) =>
        events.Where(e => e.GetProperty("type").GetString() == "metrics").Select(e => e.GetProperty("data"));

    public void Dispose()
    {
        Http.Dispose();
        Server.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
