using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// Every upstream deployment by model name, and the choice of one for the next attempt: one not cooling down and with
/// room in its rpm and tpm, preferring those this request has not tried yet, then the least busy, ties taken in turn.
/// </summary>
public sealed class UpstreamPool
{
    readonly Dictionary<string, UpstreamTarget[]> byName;
    int turn;

    public UpstreamPool(IEnumerable<UpstreamDeployment> deployments, RouterSettings router, TimeProvider time, ILogger<UpstreamPool> logger)
    {
        byName = deployments.GroupBy(d => d.ModelName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(d => new UpstreamTarget(d, router, time, logger)).ToArray(), StringComparer.Ordinal);
    }

    public bool Serves(string model) => byName.ContainsKey(model);

    /// <summary>Counts tokens an answer of <paramref name="deployment"/> used into its minute (its tpm).</summary>
    public void Used(UpstreamDeployment deployment, long tokens)
    {
        if (byName.TryGetValue(deployment.ModelName, out var targets))
            foreach (var t in targets)
                if (ReferenceEquals(t.Deployment, deployment)) t.Used(tokens);
    }

    public IReadOnlyCollection<string> Models => byName.Keys;

    /// <summary>Each deployment of the model with its state, for /health.</summary>
    public IReadOnlyList<DeploymentHealth> Health(string model) =>
        byName.TryGetValue(model, out var targets) ? [.. targets.Select(t => t.Health())] : [];

    /// <summary>"ok" while at least one deployment is in rotation, else "cooldown".</summary>
    public string Status(string model) =>
        Health(model).Any(d => d.Status == HealthStatus.Ok) ? HealthStatus.Ok : HealthStatus.Cooldown;

    internal UpstreamTarget Pick(string model, IReadOnlyCollection<UpstreamTarget> tried)
    {
        var targets = byName[model];
        var start = (int)((uint)Interlocked.Increment(ref turn) % (uint)targets.Length);
        UpstreamTarget? best = null;
        var anyCooling = false;
        for (var i = 0; i < targets.Length; i++)
        {
            var t = targets[(start + i) % targets.Length];
            if (t.CooldownUntil is not null)
            {
                anyCooling = true;
                continue;
            }
            if (!t.HasRoom()) continue;
            if (best is null || Better(t, best, tried)) best = t;
        }
        // None can take a call: say why (all at their rpm or tpm is a 429, otherwise they are cooling down).
        return best ?? throw new NoDeploymentException(model, rateLimited: !anyCooling);
    }

    static bool Better(UpstreamTarget t, UpstreamTarget best, IReadOnlyCollection<UpstreamTarget> tried)
    {
        bool triedT = tried.Contains(t), triedBest = tried.Contains(best);
        return triedT != triedBest ? !triedT : t.Busy < best.Busy;
    }
}
