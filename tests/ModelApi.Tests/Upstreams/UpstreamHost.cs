using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Telemetry;
using CustomGpt.ModelApi.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CustomGpt.ModelApi.Tests.Upstreams;

/// <summary>
/// The upstream forwarding on its own, in a small host of the test's: ModelApi's upstream services (AddUpstreams) and its
/// telemetry, /v1/chat/completions and /v1/completions answered by <see cref="OpenAiRelay.ForwardAsync"/> with fallbacks, /metrics, and
/// GET /deployments/{model} with each deployment's health. Logs are captured; time is the test's clock.
/// </summary>
public sealed class UpstreamHost : IAsyncDisposable
{
    readonly WebApplication app;

    public UpstreamHost(IReadOnlyList<UpstreamDeployment> deployments, RouterSettings router, FakeTimeProvider? clock = null)
    {
        Clock = clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(Logs);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.AddUpstreams(deployments, router);
        builder.AddModelApiTelemetry();
        app = builder.Build();
        foreach (var (path, route) in (ReadOnlySpan<(string, UpstreamRoute)>)[("/v1/chat/completions", UpstreamRoute.ChatCompletions), ("/v1/completions", UpstreamRoute.Completions)])
        {
            app.MapPost(path, async (HttpContext http) =>
            {
                var body = (JsonObject)(await JsonNode.ParseAsync(http.Request.Body))!;
                return await AnswerAsync(http, body["model"]!.ToString(), route, body);
            });
        }
        app.MapGet("/deployments/{model}", (string model, UpstreamPool pool) => Results.Json(pool.Health(model), ModelApiJson.Options));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.StartAsync().GetAwaiter().GetResult();
        var address = app.Urls.First(); // the port Kestrel bound for :0
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
    }

    public HttpClient Http { get; }

    public FakeTimeProvider Clock { get; }

    public CapturedLogs Logs { get; } = new();

    /// <summary>The model's answer, or its fallbacks' in turn (upstream names only here), as ModelApi's routes do.</summary>
    static async Task<IResult> AnswerAsync(HttpContext http, string model, UpstreamRoute route, JsonObject body)
    {
        var forwarder = http.RequestServices.GetRequiredService<UpstreamForwarder>();
        var fallbacks = http.RequestServices.GetRequiredService<ModelFallbacks>();
        var answer = await fallbacks.AnswerAsync(model, async (name, _) => forwarder.Pool.Serves(name)
            ? await OpenAiRelay.ForwardAsync(http, forwarder, name, route, (JsonObject)body.DeepClone())
            : new ModelAnswer(Results.NotFound(), false), http.RequestAborted);
        return answer.Result;
    }

    public static UpstreamDeployment Deployment(string name, FakeUpstream upstream, string key, TimeSpan? timeout = null, int? rpm = null, int? tpm = null) =>
        new(name, "upstream-" + name, upstream.ApiBase, key, timeout ?? TimeSpan.FromSeconds(30), rpm, tpm, new ModelCosts(0.000001, 0.000002));

    public static RouterSettings Router(int numRetries = 2, int allowedFails = 3, double cooldownSeconds = 5, params (string Model, string[] Fallbacks)[] fallbacks) =>
        new(numRetries, TimeSpan.FromSeconds(30), allowedFails, TimeSpan.FromSeconds(cooldownSeconds),
            fallbacks.ToDictionary(f => f.Model, f => (IReadOnlyList<string>)f.Fallbacks));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.DisposeAsync();
    }
}
