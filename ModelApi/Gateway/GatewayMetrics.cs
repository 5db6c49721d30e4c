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

    /// <summary>Per served model (and upstream deployment): requests by status class, tokens by type, and spend.</summary>
    public void ServedModel(string model, string? deployment, int status, int promptTokens, int completionTokens, double spend)
    {
        var name = new KeyValuePair<string, object?>("model", model);
        var via = new KeyValuePair<string, object?>("deployment", deployment ?? "local");
        ModelApiTelemetry.ModelRequests.Add(1, name, via, new("status", $"{status / 100}xx"));
        ModelApiTelemetry.ModelTokens.Add(promptTokens, name, via, new("type", "prompt"));
        ModelApiTelemetry.ModelTokens.Add(completionTokens, name, via, new("type", "completion"));
        if (spend > 0) ModelApiTelemetry.ModelSpend.Add(spend, name, via);
    }

    public void Rejected(string reason) => ModelApiTelemetry.Rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
