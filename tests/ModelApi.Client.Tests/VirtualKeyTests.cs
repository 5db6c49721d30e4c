using System.Net.Http.Json;
using System.Text.Json;

namespace CustomGpt.ModelApi.Client.Tests;

/// <summary>The typed client carries a virtual key (from /key/generate) exactly as it carries API_KEY.</summary>
public class VirtualKeyTests
{
    const string Master = "master-for-client-tests";

    [Fact]
    public async Task A_virtual_key_is_sent_like_API_KEY_and_accepted_and_its_rpm_limit_reads_as_busy_with_Retry_After()
    {
        var db = Path.Combine(Directory.CreateTempSubdirectory("customgpt-client-keys-").FullName, "keys.db");
        using var api = await new ModelApiProcess(TestModels.Tiny, ("MASTER_KEY", Master), ("KEYS_DB", db)).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        http.DefaultRequestHeaders.Add("X-API-Key", Master);
        using var made = await http.PostAsJsonAsync("/key/generate", new { rpm_limit = 2 });
        var key = (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();

        // Two in this minute are allowed; stay well inside one minute so both land in it.
        var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 60;
        if (second > 50) await Task.Delay(TimeSpan.FromSeconds(61 - second));
        var client = Clients.For(api.Address, key);
        Assert.True((await client.GenerateAsync(Clients.Request(1, 5))).Succeeded);
        Assert.True((await client.TokenizeAsync("abc")).Succeeded);
        var limited = await client.GenerateAsync(Clients.Request(1, 5));
        Assert.Equal(ApiFailureKind.Busy, limited.Failure?.Kind);
        Assert.NotNull(limited.Failure?.RetryAfter);

        var wrong = await Clients.For(api.Address, key + "x").GenerateAsync(Clients.Request(1, 5));
        Assert.Equal(ApiFailureKind.Unauthorized, wrong.Failure?.Kind);
    }
}
