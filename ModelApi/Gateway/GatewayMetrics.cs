using CustomGpt.ModelApi.Telemetry;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>Per caller (key alias or id, "master", "none") request and token counters, and rejections by reason, for /metrics.</summary>
public sealed class GatewayMetrics
{
    public void Served(string caller, int promptTokens, int completionTokens)
    {
        var key = new KeyValuePair<string, object?>("key", caller);
        ModelApiTelemetry.KeyRequests.Add(1, key);
        ModelApiTelemetry.KeyTokens.Add(promptTokens, key, new("type", "prompt"));
        ModelApiTelemetry.KeyTokens.Add(completionTokens, key, new("type", "completion"));
    }

    public void Rejected(string reason) => ModelApiTelemetry.Rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
