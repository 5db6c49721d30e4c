using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CustomGpt.ModelApi.Tests;

/// <summary>
/// ModelApi on a real Kestrel socket on 127.0.0.1 (a random port), configured through the same
/// keys as the environment. Optionally with a different model source (to hold loading open).
/// </summary>
public sealed class ApiServer : WebApplicationFactory<Program>
{
    readonly Dictionary<string, string?> settings;
    readonly IModelSource? source;
    readonly TimeProvider? clock;

    /// <summary>The settings ModelApi reads from these environment variables (and nothing else), as it does at start.</summary>
    public static ModelApiSettings ReadSettings(params (string Key, string Value)[] values) =>
        ModelApiSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build());

    public ApiServer(string modelPath, IModelSource? source = null, params (string Key, string Value)[] settings)
        : this(modelPath, source, clock: null, settings)
    {
    }

    /// <summary>With the gateway reading time from <paramref name="clock"/> (a FakeTimeProvider the test moves).</summary>
    public ApiServer(string modelPath, TimeProvider clock, params (string Key, string Value)[] settings)
        : this(modelPath, source: null, clock, settings)
    {
    }

    ApiServer(string modelPath, IModelSource? source, TimeProvider? clock, (string Key, string Value)[] settings)
    {
        this.source = source;
        this.clock = clock;
        this.settings = new() { ["MODEL_PATH"] = modelPath, ["HOST"] = "127.0.0.1", ["PORT"] = "0", ["THREADS"] = "1" };
        foreach (var (key, value) in settings) this.settings[key] = value;
        UseKestrel();
        StartServer();
        Http = CreateClient();
        Http.Timeout = TimeSpan.FromMinutes(10);
    }

    public HttpClient Http { get; }

    public ModelHost Host => Services.GetRequiredService<ModelHost>();

    /// <summary>What the server logged so far, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Waits until the model has loaded (or failed to); fails the test when it is still loading after a minute.</summary>
    public async Task<ApiServer> ReadyAsync()
    {
        await Api.EventuallyAsync(() => Host.Status.State != "loading", "the model has loaded (or failed to)");
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        if (source is not null)
            builder.ConfigureTestServices(s => s.AddSingleton(source));
        if (clock is not null)
            builder.ConfigureTestServices(s => s.AddSingleton(clock));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Http.Dispose();
        base.Dispose(disposing);
    }
}
