using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Client.Tests;

public class ModelStateTests
{
    /// <summary>Asks /health until it no longer says loading; fails the test after a minute (a hang guard).</summary>
    static async Task<ApiResult<HealthResponse>> WhileLoadingAsync(ModelApiClient client)
    {
        for (var i = 0; i < 600; i++)
        {
            var health = await client.HealthAsync();
            if (health.Failure?.Kind != ApiFailureKind.Loading) return health;
            await Task.Delay(100);
        }
        throw new TimeoutException("/health still said loading after a minute");
    }

    [Fact]
    public async Task A_model_that_cannot_load_is_reported_as_model_failed()
    {
        using var api = new ModelApiProcess(TestModels.Corrupt);
        var client = Clients.For(api.Address);

        var health = await WhileLoadingAsync(client);
        var generate = await client.GenerateAsync(Clients.Request(1, 10));

        Assert.Equal(ApiFailureKind.ModelFailed, health.Failure?.Kind);
        Assert.Equal(HealthStatus.Error, health.Failure?.Health?.Status); // the answer itself, for a report of each model
        Assert.Equal(ApiFailureKind.ModelFailed, generate.Failure?.Kind);
        Assert.StartsWith("The model could not be loaded", generate.Failure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_the_model_loads_every_call_is_loading_then_ready()
    {
        var gate = new GatedModelSource(TestModels.Tiny);
        using var api = new LoadingApi(gate);
        var client = Clients.For(api.Address);

        var health = await client.HealthAsync();
        var generate = await client.GenerateAsync(Clients.Request(1, 10));
        var tokenize = await client.TokenizeAsync("abc");
        gate.Open();
        var ready = await WhileLoadingAsync(client);

        Assert.Equal(ApiFailureKind.Loading, health.Failure?.Kind);
        Assert.Equal(HealthStatus.Loading, health.Failure?.Health?.Status);
        Assert.Equal(ApiFailureKind.Loading, generate.Failure?.Kind);
        Assert.NotNull(generate.Failure?.RetryAfter);
        Assert.Equal(ApiFailureKind.Loading, tokenize.Failure?.Kind);
        Assert.True(ready.Succeeded, ready.ToString());
    }

    /// <summary>Resolves the model path only when the test says so: loading lasts exactly as long as the test needs.</summary>
    sealed class GatedModelSource(string path) : IModelSource
    {
        readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => open.TrySetResult();

        public async Task<string> ResolveAsync(IProgress<double> progress, CancellationToken cancellationToken)
        {
            await open.Task.WaitAsync(cancellationToken);
            return path;
        }
    }

    /// <summary>ModelApi in-process on a real Kestrel socket, with the gated model source.</summary>
    sealed class LoadingApi : WebApplicationFactory<Program>
    {
        readonly IModelSource source;

        public LoadingApi(IModelSource source)
        {
            this.source = source;
            UseKestrel();
            StartServer();
            using var http = CreateClient();
            Address = http.BaseAddress!;
        }

        public Uri Address { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("MODEL_PATH", "unused.gguf");
            builder.UseSetting("HOST", "127.0.0.1");
            builder.UseSetting("PORT", "0");
            builder.UseSetting("THREADS", "2");
            builder.ConfigureTestServices(s => s.AddSingleton(source));
        }
    }
}
