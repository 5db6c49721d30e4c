using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// One deployment as it lives: its own Polly pipeline (a circuit breaker around a per-attempt timeout), the calls it is
/// answering now (for least-busy balancing), its calls and tokens this minute (for its rpm and tpm) and the end of its cool-down.
/// LiteLLM's allowed_fails / cooldown_time map onto the breaker: more than allowed_fails failures within a minute, when at
/// least half of that minute's calls failed, open it for cooldown_time; then one trial call decides (Polly's half-open).
/// </summary>
sealed class UpstreamTarget
{
    readonly TimeProvider time;
    int busy;
    long minute = -1;
    int callsThisMinute;
    long tokensThisMinute;
    long cooldownUntilTicks; // UTC ticks, 0 when never cooled down

    public UpstreamTarget(UpstreamDeployment deployment, RouterSettings router, TimeProvider time, ILogger logger)
    {
        Deployment = deployment;
        this.time = time;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(UpstreamFailures.IsRetryable(args.Outcome, args.Context.CancellationToken)),
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, router.AllowedFails + 1),
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = router.CooldownTime < TimeSpan.FromSeconds(0.5) ? TimeSpan.FromSeconds(0.5) : router.CooldownTime,
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref cooldownUntilTicks, (time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    UpstreamMetrics.CooledDown(deployment.ModelName, deployment.Id);
                    logger.LogWarning("Upstream deployment {Deployment} of model {Model} is out of rotation for {Seconds} s: it kept failing",
                        deployment.Id, deployment.ModelName, args.BreakDuration.TotalSeconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    Interlocked.Exchange(ref cooldownUntilTicks, 0);
                    return default;
                },
            })
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = Clamp(deployment.Timeout) })
            .Build();
        UpstreamMetrics.Known(deployment.ModelName, deployment.Id);
    }

    public UpstreamDeployment Deployment { get; }

    /// <summary>Circuit breaker (outermost) and the attempt's timeout: what one call to this deployment runs through.</summary>
    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public int Busy => Volatile.Read(ref busy);

    /// <summary>When the cool-down ends, while it lasts.</summary>
    public DateTimeOffset? CooldownUntil
    {
        get
        {
            var ticks = Interlocked.Read(ref cooldownUntilTicks);
            return ticks != 0 && time.GetUtcNow().UtcTicks < ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        }
    }

    public DeploymentHealth Health() => CooldownUntil is { } until
        ? new DeploymentHealth(Deployment.Id, HealthStatus.Cooldown, until)
        : new DeploymentHealth(Deployment.Id, HealthStatus.Ok);

    /// <summary>Whether its rpm and tpm leave room this minute (neither set: always). As in LiteLLM, a deployment whose
    /// minute's tokens are used up is skipped; the tokens are known only once an answer reports its usage.</summary>
    public bool HasRoom()
    {
        if (Deployment.Rpm is null && Deployment.Tpm is null) return true;
        lock (this)
            return CurrentMinute() != minute
                || ((Deployment.Rpm is not { } rpm || callsThisMinute < rpm) && (Deployment.Tpm is not { } tpm || tokensThisMinute < tpm));
    }

    /// <summary>Counts a call into this minute and as busy; dispose the handle when the call's answer is fully read.</summary>
    public IDisposable Start()
    {
        if (Deployment.Rpm is not null || Deployment.Tpm is not null)
        {
            lock (this)
            {
                ThisMinute();
                callsThisMinute++;
            }
        }
        Interlocked.Increment(ref busy);
        return new Done(this);
    }

    /// <summary>Counts the tokens an answer used into this minute (for the tpm).</summary>
    public void Used(long tokens)
    {
        if (Deployment.Tpm is null || tokens <= 0) return;
        lock (this)
        {
            ThisMinute();
            tokensThisMinute += tokens;
        }
    }

    void ThisMinute()
    {
        var now = CurrentMinute();
        if (now != minute) (minute, callsThisMinute, tokensThisMinute) = (now, 0, 0);
    }

    long CurrentMinute() => time.GetUtcNow().ToUnixTimeSeconds() / 60;

    /// <summary>Polly's timeout takes 10 ms to 24 h.</summary>
    static TimeSpan Clamp(TimeSpan timeout) =>
        timeout < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : timeout > TimeSpan.FromHours(24) ? TimeSpan.FromHours(24) : timeout;

    sealed class Done(UpstreamTarget target) : IDisposable
    {
        int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0) Interlocked.Decrement(ref target.busy);
        }
    }
}
