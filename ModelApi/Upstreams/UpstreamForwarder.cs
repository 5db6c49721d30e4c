using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Models;
using Polly;
using Polly.Retry;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// Sends an OpenAI-style request for a model name to one of its deployments, through Polly: a retry strategy per model
/// name (num_retries) whose every attempt picks a deployment afresh (<see cref="UpstreamPool.Pick"/>, the request's
/// tried deployments kept in its <see cref="ResilienceContext"/>), each attempt running through that deployment's own
/// circuit breaker and timeout (<see cref="UpstreamTarget"/>). The body's "model" becomes the deployment's upstream model
/// and the deployment's key goes in Authorization, on this request only. A non-streamed answer is read whole within the
/// attempt (so its timeout covers it); a streamed one is handed back once its headers arrived, for the caller to relay.
/// </summary>
public sealed class UpstreamForwarder(UpstreamPool pool, IHttpClientFactory clients, RouterSettings router, TimeProvider time, ILogger<UpstreamForwarder> logger)
{
    readonly UpstreamPool pool = pool;
    readonly IHttpClientFactory clients = clients;
    readonly RouterSettings router = router;
    readonly TimeProvider time = time;
    readonly ILogger logger = logger;

    /// <summary>The IHttpClientFactory name of the client every upstream call uses.</summary>
    public const string ClientName = "upstreams";

    static readonly ResiliencePropertyKey<Attempts> State = new("customgpt.upstream.attempts");
    readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> retries = new(StringComparer.Ordinal);

    public UpstreamPool Pool => pool;

    public TimeProvider Time => time;

    /// <summary>Forwards <paramref name="body"/> (an OpenAI request; changed in place: model, and stream_options when
    /// streaming). The caller disposes the call; a failed one is answered with <see cref="UpstreamFailures.FailedAsync"/>.</summary>
    public async Task<UpstreamCall> SendAsync(string model, UpstreamRoute route, JsonObject body, bool stream, CancellationToken ct)
    {
        if (stream)
        {
            // Usage comes in the stream's last chunk only when asked for; the relay drops it when the caller did not ask.
            var options = body["stream_options"] as JsonObject ?? new JsonObject();
            options["include_usage"] = true;
            body["stream_options"] = options;
            body["stream"] = true;
        }
        var call = new UpstreamCall(model);
        var attempts = new Attempts(this, call, route, body, stream);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(State, attempts);
        try
        {
            var outcome = await Retry(model).ExecuteOutcomeAsync(static async (ctx, a) =>
            {
                try
                {
                    return Outcome.FromResult(await a.RunAsync(ctx));
                }
                catch (Exception e)
                {
                    return Outcome.FromException<HttpResponseMessage>(e);
                }
            }, context, attempts);
            if (outcome.Exception is OperationCanceledException && ct.IsCancellationRequested) outcome.ThrowIfException();
            call.Response = outcome.Result;
            call.Exception = outcome.Exception;
            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>num_retries more attempts after the first, at once (the next one goes to another deployment when there is one).</summary>
    ResiliencePipeline<HttpResponseMessage> Retry(string model) => retries.GetOrAdd(model, static (name, self) =>
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = self.time };
        if (self.router.NumRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = self.router.NumRetries,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not NoDeploymentException
                    && UpstreamFailures.IsRetryable(args.Outcome, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    var attempts = args.Context.Properties.GetValue(State, null!);
                    UpstreamMetrics.Retried(name, attempts.Call.Deployment?.Id ?? "-");
                    args.Outcome.Result?.Dispose(); // the failed answer is not the one that goes back
                    return default;
                },
            });
        }
        return builder.Build();
    }, this);

    /// <summary>One request's attempts: which deployments it tried, and how to send it to one.</summary>
    sealed class Attempts(UpstreamForwarder forwarder, UpstreamCall call, UpstreamRoute route, JsonObject body, bool stream)
    {
        readonly List<UpstreamTarget> tried = [];

        public UpstreamCall Call => call;

        public async Task<HttpResponseMessage> RunAsync(ResilienceContext context)
        {
            var target = forwarder.pool.Pick(call.Model, tried);
            tried.Add(target);
            var deployment = target.Deployment;
            call.Deployment = deployment;
            call.Attempts++;
            var busy = target.Start();
            var started = Stopwatch.GetTimestamp();
            var outcome = await target.Pipeline.ExecuteOutcomeAsync(static async (ctx, s) =>
            {
                try
                {
                    return Outcome.FromResult(await s.Self.SendOnceAsync(s.Deployment, ctx.CancellationToken));
                }
                catch (Exception e)
                {
                    return Outcome.FromException<HttpResponseMessage>(e);
                }
            }, context, (Self: this, Deployment: deployment));
            var result = UpstreamFailures.Outcome(outcome);
            UpstreamMetrics.Attempt(call.Model, deployment.Id, result, Stopwatch.GetElapsedTime(started));
            if (result is not "ok" and not "refused" && !context.CancellationToken.IsCancellationRequested)
                forwarder.logger.LogWarning("Upstream {Deployment} of model {Model} failed (attempt {Attempt}): {Reason}",
                    deployment.Id, call.Model, call.Attempts, UpstreamFailures.Reason(outcome, deployment));
            if (outcome.Result is { IsSuccessStatusCode: true } && stream) call.Hold(busy);
            else busy.Dispose();
            outcome.ThrowIfException();
            return outcome.Result!;
        }

        async Task<HttpResponseMessage> SendOnceAsync(UpstreamDeployment deployment, CancellationToken ct)
        {
            body["model"] = deployment.UpstreamModel;
            var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, Address(deployment.ApiBase, route)) { Content = content };
            if (deployment.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (stream) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            var client = forwarder.clients.CreateClient(ClientName);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            try
            {
                // Read whole within the attempt, so its timeout covers it; a stream is read by the relay.
                if (!stream || !response.IsSuccessStatusCode) await response.Content.LoadIntoBufferAsync(ct);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    /// <summary>api_base + "/chat/completions" (or "/completions"), its query kept (e.g. an api-version).</summary>
    internal static Uri Address(Uri apiBase, UpstreamRoute route) => new UriBuilder(apiBase)
    {
        Path = apiBase.AbsolutePath.TrimEnd('/') + (route == UpstreamRoute.ChatCompletions ? "/chat/completions" : "/completions"),
    }.Uri;
}
