using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// What a request used of an upstream, set on the HttpContext (a feature) when its answer ends: for the key's usage and
/// spend, the access log (model and deployment, never its key) and /metrics. Absent when no upstream answered.
/// </summary>
public sealed record UpstreamUsed(string Model, UpstreamDeployment Deployment, UpstreamUsage Usage, string? FinishReason)
{
    public static UpstreamUsed? Of(HttpContext http) => http.Features.Get<UpstreamUsed>();

    internal static void Record(HttpContext http, UpstreamCall call, UpstreamUsage usage, string? finishReason)
    {
        if (call.Deployment is not { } deployment) return;
        // Set again when the usage is corrected: only the difference goes into the deployment's minute (its tpm).
        var before = Of(http) is { } earlier && ReferenceEquals(earlier.Deployment, deployment) ? earlier.Usage.PromptTokens + earlier.Usage.CompletionTokens : 0;
        http.Features.Set(new UpstreamUsed(call.Model, deployment, usage, finishReason));
        http.RequestServices.GetService<UpstreamPool>()?.Used(deployment, usage.PromptTokens + usage.CompletionTokens - before);
        // The key is charged this at the deployment's costs when the request ends (Gateway/Admission settles it).
        var request = Gateway.RequestUsage.Of(http);
        request?.Through(deployment);
        request?.Used(usage.PromptTokens, usage.CompletionTokens, finishReason, deployment.Costs);
    }

    /// <summary>In currency, with the deployment's model_info costs.</summary>
    public double Spend => Deployment.Costs.Of(Usage.PromptTokens, Usage.CompletionTokens);
}
