using System.Net;
using System.Security.Cryptography;
using CustomGpt.ModelApi.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CustomGpt.ModelApi.Tests;

/// <summary>MODEL_URL against a real HTTP server on 127.0.0.1 that serves a GGUF (or fails on purpose).</summary>
public sealed class ModelDownloadTests : IAsyncLifetime
{
    WebApplication files = null!;
    string baseUrl = "";
    int downloads;
    readonly string cache = Directory.CreateTempSubdirectory("customgpt-cache-").FullName;
    static readonly string Sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestModels.Tiny)));

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        files = builder.Build();
        files.MapGet("/models/tiny.gguf", () => { Interlocked.Increment(ref downloads); return Results.File(TestModels.Tiny, "application/octet-stream"); });
        files.MapGet("/models/broken.gguf", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
        await files.StartAsync();
        baseUrl = files.Urls.First();
    }

    public async Task DisposeAsync()
    {
        await files.DisposeAsync();
        Directory.Delete(cache, recursive: true);
    }

    ApiServer Start(string path, string? sha = null) => new("unused.gguf", settings:
    [
        ("MODEL_URL", baseUrl + path),
        ("MODEL_CACHE_DIR", cache),
        ("MODEL_SHA256", sha ?? ""),
    ]);

    [Fact]
    public async Task A_model_is_downloaded_verified_and_reused_after_a_restart()
    {
        using (var first = await Start("/models/tiny.gguf", Sha256).ReadyAsync())
        {
            var health = Api.Parse<HealthResponse>(await first.Http.GetStringAsync("/health"));
            Assert.Equal(HealthStatus.Ok, health.Status);
            Assert.Equal(new FileInfo(TestModels.Tiny).Length, health.Model!.FileSizeBytes);
            var r = await first.Http.GenerateAsync(new { seed = 1, num_chars = 10, ignore_eos = true });
            Assert.Equal(10, Api.CharCount(r.GeneratedText));
        }
        Assert.Equal(1, downloads);
        Assert.Empty(Directory.GetFiles(cache, "*.partial"));

        using var second = await Start("/models/tiny.gguf", Sha256).ReadyAsync();
        Assert.Equal(HealthStatus.Ok, second.Host.Status.State);
        Assert.Equal(1, downloads); // served from the cache
    }

    [Fact]
    public async Task A_checksum_mismatch_ends_in_the_error_state_and_keeps_nothing()
    {
        using var server = await Start("/models/tiny.gguf", new string('0', 64)).ReadyAsync();
        using var response = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = Api.Parse<HealthResponse>(await response.Content.ReadAsStringAsync());
        Assert.Equal(HealthStatus.Error, health.Status);
        Assert.Contains("SHA-256", health.Error);
        Assert.Empty(Directory.GetFiles(cache, "*.gguf"));
    }

    [Fact]
    public async Task A_server_error_ends_in_the_error_state_with_the_status()
    {
        using var server = await Start("/models/broken.gguf").ReadyAsync();
        var health = Api.Parse<HealthResponse>(await (await server.Http.GetAsync("/health")).Content.ReadAsStringAsync());
        Assert.Equal(HealthStatus.Error, health.Status);
        Assert.Contains("HTTP 500", health.Error);
    }
}
