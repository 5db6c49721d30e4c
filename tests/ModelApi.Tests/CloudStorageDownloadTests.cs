using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// MODEL_URL=gs://... against a fake metadata server (GCE_METADATA_HOST) and a fake Cloud Storage JSON
/// API (STORAGE_EMULATOR_HOST), each a real HTTP server on 127.0.0.1 that behaves like Google's: no
/// token without Metadata-Flavor: Google, no object without the right Bearer token. ModelApi asks
/// through Google's client library (Google.Cloud.Storage.V1 and its credential for the metadata server).
/// </summary>
public sealed class CloudStorageDownloadTests : IAsyncLifetime
{
    const string Token = "ya29.service-account-token-for-tests";
    const string Bucket = "my-models";
    static readonly byte[] Model = File.ReadAllBytes(TestModels.Tiny);
    static readonly string Sha256 = Convert.ToHexStringLower(SHA256.HashData(Model));

    WebApplication metadata = null!;
    WebApplication storage = null!;
    readonly string cache = Directory.CreateTempSubdirectory("customgpt-gs-cache-").FullName;
    readonly ConcurrentQueue<string> storageRequests = new();
    readonly TaskCompletionSource releaseSlow = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string tokenHandedOut = Token;
    int tokenRequests;
    int downloads;

    public async Task InitializeAsync()
    {
        metadata = Loopback();
        metadata.MapGet("/computeMetadata/v1/instance/service-accounts/default/token", (HttpContext c) =>
        {
            if (c.Request.Headers["Metadata-Flavor"] != "Google") return Results.StatusCode(StatusCodes.Status403Forbidden);
            Interlocked.Increment(ref tokenRequests);
            return Results.Json(new { access_token = tokenHandedOut, expires_in = 3599, token_type = "Bearer" });
        });
        storage = Loopback();
        storage.Run(ServeObjectAsync);
        await metadata.StartAsync();
        await storage.StartAsync();
    }

    public async Task DisposeAsync()
    {
        releaseSlow.TrySetResult();
        await metadata.DisposeAsync();
        await storage.DisposeAsync();
        Directory.Delete(cache, recursive: true);
    }

    /// <summary>The JSON API's media download: GET /storage/v1/b/BUCKET/o/OBJECT?alt=media, the object name
    /// escaped as one path segment, as Google requires.</summary>
    async Task ServeObjectAsync(HttpContext c)
    {
        var target = c.Features.Get<IHttpRequestFeature>()!.RawTarget;
        storageRequests.Enqueue(target);
        if (c.Request.Headers.Authorization != "Bearer " + Token)
        {
            c.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await c.Response.WriteAsJsonAsync(new { error = new { code = 401, message = "Invalid Credentials" } });
            return;
        }
        var prefix = $"/storage/v1/b/{Bucket}/o/";
        var name = target.StartsWith(prefix, StringComparison.Ordinal) && target.EndsWith("?alt=media", StringComparison.Ordinal)
            ? Uri.UnescapeDataString(target[prefix.Length..^"?alt=media".Length]) : null;
        if (name is not ("models/tiny v1.gguf" or "slow.gguf"))
        {
            c.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        Interlocked.Increment(ref downloads);
        c.Response.ContentType = "application/octet-stream";
        c.Response.ContentLength = Model.Length;
        if (name == "slow.gguf")
        {
            // Half now, the rest when the test has seen the progress on /health.
            await c.Response.Body.WriteAsync(Model.AsMemory(0, Model.Length / 2));
            await c.Response.Body.FlushAsync();
            await releaseSlow.Task;
            await c.Response.Body.WriteAsync(Model.AsMemory(Model.Length / 2));
            return;
        }
        await c.Response.Body.WriteAsync(Model);
    }

    static WebApplication Loopback()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder.Build();
    }

    string MetadataHost => new Uri(metadata.Urls.First()).Authority;

    string StorageHost => new Uri(storage.Urls.First()).Authority;

    ApiServer Start(string modelUrl, string? sha = null, string? metadataHost = null) => new("unused.gguf", settings:
    [
        ("MODEL_URL", modelUrl),
        ("MODEL_CACHE_DIR", cache),
        ("MODEL_SHA256", sha ?? ""),
        ("GCE_METADATA_HOST", metadataHost ?? MetadataHost),
        ("STORAGE_EMULATOR_HOST", StorageHost),
    ]);

    /// <summary>As on Cloud Run: a real process, configured by environment variables only.</summary>
    [Fact]
    public async Task A_private_object_is_downloaded_with_the_service_token_verified_and_reused_after_a_restart()
    {
        (string, string)[] env =
        [
            ("MODEL_URL", $"gs://{Bucket}/models/tiny v1.gguf"), ("MODEL_SHA256", Sha256), ("MODEL_CACHE_DIR", cache),
            ("GCE_METADATA_HOST", MetadataHost), ("STORAGE_EMULATOR_HOST", StorageHost),
        ];
        using (var first = await new ModelApiProcess("unused.gguf", env).ReadyAsync())
        {
            using var http = new HttpClient { BaseAddress = first.Address };
            var health = Api.Parse<HealthResponse>(await http.GetStringAsync(new Uri("health", UriKind.Relative)));
            Assert.Equal(Model.Length, health.Model!.FileSizeBytes);
            var r = await http.GenerateAsync(new { seed = 1, num_chars = 10, ignore_eos = true });
            Assert.Equal(10, Api.CharCount(r.GeneratedText));
            Assert.Contains($"gs://{Bucket}/models/tiny v1.gguf", first.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, first.Output, StringComparison.Ordinal);
        }
        // One request, the object name one escaped segment ('/' as %2F), as the JSON API wants it.
        Assert.Equal($"/storage/v1/b/{Bucket}/o/models%2Ftiny%20v1.gguf?alt=media", Assert.Single(storageRequests));
        Assert.Equal(1, tokenRequests);
        Assert.Empty(Directory.GetFiles(cache, "*.partial"));

        using var second = await new ModelApiProcess("unused.gguf", env).ReadyAsync();
        Assert.Equal(1, downloads); // from the cache, re-hashed first
        Assert.Equal(1, tokenRequests); // a cached model needs no token
    }

    [Fact]
    public async Task A_token_Cloud_Storage_refuses_ends_in_the_error_state_naming_the_role_and_never_shows_the_token()
    {
        tokenHandedOut = "ya29.a-token-of-another-account";
        using var server = await Start($"gs://{Bucket}/models/tiny v1.gguf", Sha256).ReadyAsync();
        using var response = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var health = Api.Parse<HealthResponse>(body);
        Assert.Equal(HealthStatus.Error, health.Status);
        Assert.Contains("HTTP 401", health.Error, StringComparison.Ordinal);
        Assert.Contains("roles/storage.objectViewer", health.Error, StringComparison.Ordinal);
        // Google's client takes a fresh token after a 401 and tries again, a bounded number of times (three tries).
        Assert.InRange(storageRequests.Count, 1, 3);
        Assert.Equal(storageRequests.Count + 1, tokenRequests);
        Assert.Equal(0, downloads);
        Assert.Empty(Directory.GetFiles(cache));
        var logs = string.Join('\n', server.Logs.Lines);
        Assert.Contains("roles/storage.objectViewer", logs, StringComparison.Ordinal); // the reason is logged too
        Assert.DoesNotContain(tokenHandedOut, logs + body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_shows_the_download_progress_then_ok()
    {
        using var server = new ApiServer("unused.gguf", settings:
        [
            ("MODEL_URL", $"gs://{Bucket}/slow.gguf"), ("MODEL_CACHE_DIR", cache),
            ("GCE_METADATA_HOST", MetadataHost), ("STORAGE_EMULATOR_HOST", StorageHost),
        ]);
        HealthResponse health;
        var polls = 0;
        do
        {
            await Task.Delay(50);
            using var response = await server.Http.GetAsync("/health");
            health = Api.Parse<HealthResponse>(await response.Content.ReadAsStringAsync());
        }
        while (health.Status == HealthStatus.Loading && (health.Progress ?? 0) < 0.45 && ++polls < 600); // a hang guard
        Assert.Equal(HealthStatus.Loading, health.Status);
        Assert.InRange(health.Progress!.Value, 0.45, 0.55); // half the bytes of a known length

        releaseSlow.SetResult();
        await server.ReadyAsync();
        Assert.True(server.Host.Status.State == HealthStatus.Ok, server.Host.Status.Error);
        Assert.DoesNotContain(Token, string.Join('\n', server.Logs.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_object_says_so()
    {
        using var server = await Start($"gs://{Bucket}/models/other.gguf").ReadyAsync();
        Assert.Equal(HealthStatus.Error, server.Host.Status.State);
        Assert.Contains("no such object (HTTP 404)", server.Host.Status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_metadata_server_the_error_says_gs_needs_a_Google_Cloud_identity()
    {
        using var server = await Start($"gs://{Bucket}/models/tiny v1.gguf", metadataHost: $"127.0.0.1:{ServerProcess.FreePort()}").ReadyAsync();
        Assert.Equal(HealthStatus.Error, server.Host.Status.State);
        Assert.Contains("metadata server did not answer", server.Host.Status.Error, StringComparison.Ordinal);
        Assert.Contains("signed URL", server.Host.Status.Error, StringComparison.Ordinal);
        Assert.Empty(storageRequests);
    }

    [Fact]
    public void A_malformed_gs_URL_stops_the_process_at_start_naming_MODEL_URL()
    {
        var e = Assert.Throws<AggregateException>(() => new ModelApiProcess("unused.gguf", ("MODEL_URL", "gs://my-models")));
        var exited = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("exited early", exited.Message, StringComparison.Ordinal);
        Assert.Contains("MODEL_URL='gs://my-models' is not a Cloud Storage object: it names no object", exited.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MODEL_URL", "gs://my-models/", "MODEL_URL='gs://my-models/' is not a Cloud Storage object: it names no object")]
    [InlineData("MODEL_URL", "gs://My_Models/m.gguf", "'My_Models' is not a bucket name")]
    [InlineData("MODEL_URL", "gs://ab/m.gguf", "'ab' is not a bucket name")]
    [InlineData("MODEL_URL", "gs://my-models/models/", "names a folder, not an object")]
    [InlineData("MODEL_URL", "ftp://example.com/m.gguf", "must be an https:// URL or gs://BUCKET/OBJECT")]
    [InlineData("GCE_METADATA_HOST", "http://169.254.169.254/computeMetadata", "GCE_METADATA_HOST='http://169.254.169.254/computeMetadata' must be a host")]
    [InlineData("STORAGE_EMULATOR_HOST", "storage.example.com:9000", "STORAGE_EMULATOR_HOST='storage.example.com:9000' must be host:port on this machine")]
    public void Bad_Cloud_Storage_settings_are_refused_at_start_naming_the_setting(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => ApiServer.ReadSettings((key, value)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:9023", "http://localhost:9023/")]
    [InlineData("http://127.0.0.1:4443", "http://127.0.0.1:4443/")]
    [InlineData("https://storage.example.com/prefix/", "https://storage.example.com/prefix/")]
    public void The_emulator_address_is_taken_as_Google_libraries_take_it(string value, string endpoint)
    {
        var settings = ApiServer.ReadSettings(("MODEL_URL", "gs://my-models/a/b.gguf"), ("STORAGE_EMULATOR_HOST", value));
        Assert.Equal(endpoint, settings.StorageEndpoint.AbsoluteUri);
        Assert.Equal("metadata.google.internal", settings.MetadataHost);
        Assert.Equal(new Uri(endpoint + "storage/v1/b/my-models/o/a%2Fb.gguf?alt=media"), settings.ModelObject!.MediaUrl(settings.StorageEndpoint));
    }
}
