using System.Net;
using System.Security.Cryptography;
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
        // Written in chunks with no Content-Length: nothing but a checksum could tell a cut file from a whole one.
        files.MapGet("/models/unsized.gguf", async (HttpContext c) =>
        {
            Interlocked.Increment(ref downloads);
            c.Response.ContentType = "application/octet-stream";
            var bytes = await File.ReadAllBytesAsync(TestModels.Tiny);
            await c.Response.Body.WriteAsync(bytes.AsMemory(0, 1024));
            await c.Response.Body.FlushAsync(); // headers go out now, without a length: chunked
            await c.Response.Body.WriteAsync(bytes.AsMemory(1024));
        });
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

    [Fact]
    public async Task A_cached_file_that_changed_since_it_was_verified_is_downloaded_again()
    {
        using (await Start("/models/tiny.gguf", Sha256).ReadyAsync()) { }
        var cached = Directory.GetFiles(cache, "*.gguf").Single();
        var bytes = await File.ReadAllBytesAsync(cached);
        bytes[^1] ^= 0xFF; // same length, other content
        await File.WriteAllBytesAsync(cached, bytes);

        using var server = await Start("/models/tiny.gguf", Sha256).ReadyAsync();
        Assert.Equal(HealthStatus.Ok, server.Host.Status.State);
        Assert.Equal(2, downloads);
    }

    [Fact]
    public async Task Without_a_checksum_a_file_planted_in_the_cache_is_not_trusted()
    {
        var url = new Uri(baseUrl + "/models/tiny.gguf");
        await File.WriteAllBytesAsync(Path.Combine(cache, Hosting.ModelCache.FileName(url)), [.. "GGUF"u8, 3, 0, 0, 0, .. new byte[64]]);

        using var server = await Start("/models/tiny.gguf").ReadyAsync();
        Assert.Equal(HealthStatus.Ok, server.Host.Status.State);
        Assert.Equal(1, downloads);
    }

    [Fact]
    public async Task A_download_with_neither_length_nor_checksum_is_used_once_and_not_cached()
    {
        using (var first = await Start("/models/unsized.gguf").ReadyAsync())
        {
            Assert.True(first.Host.Status.State == HealthStatus.Ok, first.Host.Status.Error);
            Assert.Empty(Directory.GetFiles(cache)); // nothing kept that could be a cut-off file, once loaded
            var r = await first.Http.GenerateAsync(new { seed = 1, num_chars = 5, ignore_eos = true }); // the mapped model still works
            Assert.Equal(5, Api.CharCount(r.GeneratedText));
        }

        using var second = await Start("/models/unsized.gguf").ReadyAsync();
        Assert.Equal(HealthStatus.Ok, second.Host.Status.State);
        Assert.Equal(2, downloads);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_cache_folder_is_private_and_a_linked_one_is_refused()
    {
        var folder = Path.Combine(cache, "private");
        using (var server = await new ApiServer("unused.gguf", settings: [("MODEL_URL", baseUrl + "/models/tiny.gguf"), ("MODEL_CACHE_DIR", folder), ("MODEL_SHA256", Sha256)]).ReadyAsync())
            Assert.Equal(HealthStatus.Ok, server.Host.Status.State);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));

        var link = Path.Combine(cache, "link");
        Directory.CreateSymbolicLink(link, folder);
        using var linked = await new ApiServer("unused.gguf", settings: [("MODEL_URL", baseUrl + "/models/tiny.gguf"), ("MODEL_CACHE_DIR", link)]).ReadyAsync();
        Assert.Equal(HealthStatus.Error, linked.Host.Status.State);
        Assert.Contains("symbolic link", linked.Host.Status.Error);
    }
}
