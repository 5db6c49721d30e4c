using System.Net;
using System.Text.Json;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Tests;

public class HealthTests
{
    /// <summary>A model source that holds loading open until the test lets go, like a slow download.</summary>
    sealed class HeldSource(string path) : IModelSource
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken)
        {
            progress.Report(0.25);
            await Release.Task.WaitAsync(cancellationToken);
            return path;
        }
    }

    [Fact]
    public async Task Health_says_loading_while_the_model_loads_then_ok_with_the_model()
    {
        var source = new HeldSource(TestModels.Tiny);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var server = new ApiServer(TestModels.Tiny, source);

        using (var loading = await server.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
            var body = Api.Parse<HealthResponse>(await loading.Content.ReadAsStringAsync());
            Assert.Equal(HealthStatus.Loading, body.Status);
            Assert.Null(body.Model);
        }
        using (var generate = await server.Http.PostJsonAsync("/generate", """{"num_chars":5}"""))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, generate.StatusCode);
            Assert.NotNull(generate.Headers.RetryAfter);
            Assert.Contains("\"code\":\"loading\"", await generate.Content.ReadAsStringAsync());
        }

        source.Release.SetResult();
        await server.ReadyAsync();
        using var ready = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var model = Api.Parse<HealthResponse>(await ready.Content.ReadAsStringAsync()).Model!;
        Assert.Equal("tiny", model.Name);
        Assert.Equal("llama", model.Architecture);
        Assert.Equal("all F32", model.Quantization);
        Assert.Equal(512, model.ContextLength);
        Assert.Equal(new FileInfo(TestModels.Tiny).Length, model.FileSizeBytes);
        Assert.True(model.Parameters > 100_000);
        // Loading is timed from the start of the service: no longer than the test has been waiting for it.
        Assert.InRange(model.LoadMs, 0, (long)started.Elapsed.TotalMilliseconds);
    }

    [Theory]
    [InlineData(true, "not found")]
    [InlineData(false, "could not be loaded")]
    public async Task A_model_that_cannot_load_gives_error_health_and_the_process_stays_up(bool missing, string reason)
    {
        using var server = await new ApiServer(missing ? Path.Combine(TestModels.Directory, "missing.gguf") : TestModels.Corrupt).ReadyAsync();
        using var health = await server.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var body = Api.Parse<HealthResponse>(await health.Content.ReadAsStringAsync());
        Assert.Equal(HealthStatus.Error, body.Status);
        Assert.Contains(reason, body.Error);

        using var generate = await server.Http.PostJsonAsync("/generate", """{"num_chars":5}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, generate.StatusCode);
        Assert.Contains(reason, await generate.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_json_uses_the_documented_names()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var json = JsonDocument.Parse(await server.Http.GetStringAsync("/health"));
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        var model = json.RootElement.GetProperty("model");
        foreach (var name in new[] { "name", "architecture", "parameters", "quantization", "context_length", "file_size_bytes", "load_ms" })
            Assert.True(model.TryGetProperty(name, out _), $"model.{name} is missing");
    }
}
