using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Calling ModelApi with keys, the way an operator and their callers would.</summary>
public static class Keys
{
    public const string Master = "master-key-for-tests";
    /// <summary>A single API_KEY long enough to be accepted (16 characters at least).</summary>
    public const string Single = "single-api-key-for-tests";

    /// <summary>MASTER_KEY mode on a fresh SQLite file.</summary>
    public static (string Key, string Value)[] OnSqlite() =>
        [("MASTER_KEY", Master), ("KEYS_DB", Path.Combine(System.IO.Directory.CreateTempSubdirectory("customgpt-keys-").FullName, "keys.db"))];

    /// <summary>A request with the key in X-API-Key (or none), and a JSON body when given.</summary>
    public static Task<HttpResponseMessage> CallAsync(this HttpClient http, string? key, string method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null) request.Headers.Add("X-API-Key", key);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return http.SendAsync(request);
    }

    /// <summary>POST /key/generate with the master key; returns the new secret.</summary>
    public static async Task<string> GenerateKeyAsync(this HttpClient http, object settings)
    {
        using var response = await http.CallAsync(Master, "POST", "/key/generate", JsonSerializer.Serialize(settings));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>GET /key/info with the master key: the "info" object.</summary>
    public static async Task<JsonElement> InfoAsync(this HttpClient http, string key)
    {
        using var response = await http.CallAsync(Master, "GET", "/key/info?key=" + Uri.EscapeDataString(key));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("info").Clone();
    }

    /// <summary>A small generation with a key; the response is the caller's to check.</summary>
    public static Task<HttpResponseMessage> GenerateWithAsync(this HttpClient http, string key, int numChars = 3) =>
        http.CallAsync(key, "POST", "/generate", $$"""{"num_chars":{{numChars}},"seed":1}""");

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task<string> CodeAsync(this HttpResponseMessage response) =>
        (await response.ProblemAsync()).GetProperty("code").GetString()!;

    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    /// <summary>A clock for the gateway that stands at the start of a minute until the test moves it
    /// (limits count per clock minute; no test waits for a real one).</summary>
    public static FakeTimeProvider Clock()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero));
    }

    public static HttpClient Client(this ServerProcess server) => new() { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
}
