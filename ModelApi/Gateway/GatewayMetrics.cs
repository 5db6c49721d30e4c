using System.Collections.Concurrent;
using System.Text;
using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>Per caller (key alias or id, "master", "none") request and token counters, and rejections by reason, for /metrics.</summary>
public sealed class GatewayMetrics
{
    sealed class Counters { public long Requests, PromptTokens, CompletionTokens; }

    readonly ConcurrentDictionary<string, Counters> byCaller = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Counters> rejections = new(StringComparer.Ordinal);

    public void Served(string caller, int promptTokens, int completionTokens)
    {
        var c = byCaller.GetOrAdd(caller, _ => new Counters());
        Interlocked.Increment(ref c.Requests);
        Interlocked.Add(ref c.PromptTokens, promptTokens);
        Interlocked.Add(ref c.CompletionTokens, completionTokens);
    }

    public void Rejected(string reason) => Interlocked.Increment(ref rejections.GetOrAdd(reason, _ => new Counters()).Requests);

    public void AppendPrometheus(StringBuilder sb)
    {
        var callers = byCaller.OrderBy(c => c.Key, StringComparer.Ordinal).ToArray();
        PrometheusText.Family(sb, "customgpt_key_requests_total", "counter", "HTTP requests by key alias (or key id, \"master\", \"none\").",
            [.. callers.Select(c => (Label("key", c.Key), Interlocked.Read(ref c.Value.Requests)))]);
        PrometheusText.Family(sb, "customgpt_key_tokens_total", "counter", "Prompt and completion tokens by key alias.",
            [.. callers.SelectMany(c => new[]
            {
                (Label("key", c.Key, ("type", "prompt")), Interlocked.Read(ref c.Value.PromptTokens)),
                (Label("key", c.Key, ("type", "completion")), Interlocked.Read(ref c.Value.CompletionTokens)),
            })]);
        PrometheusText.Family(sb, "customgpt_rejections_total", "counter", "Requests the gateway turned away, by reason (problem code).",
            [.. rejections.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (Label("reason", r.Key), Interlocked.Read(ref r.Value.Requests)))]);
    }

    static string Label(string name, string value, (string Name, string Value)? second = null) =>
        "{" + name + "=\"" + PrometheusText.Escape(value) + "\"" + (second is { } s ? "," + s.Name + "=\"" + s.Value + "\"" : "") + "}";
}
