using CustomGpt.ModelApi.Generation;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Who made one HTTP request and what it used, filled in as the request passes through: the access
/// log creates it, authentication names the caller, <see cref="Apis.GenerationStart"/> attaches the
/// generation. Read at the end by the usage charge, the access log line and /metrics.
/// </summary>
public sealed class CallRecord(string requestId)
{
    public string RequestId { get; } = requestId;
    /// <summary>The virtual key's id ("sk-AbCd1234"), when a virtual key was used.</summary>
    public string? KeyId { get; set; }
    /// <summary>How logs and /metrics name the caller: the key's alias or id, "master", or null (no key).</summary>
    public string? Caller { get; set; }
    public bool IsMaster { get; set; }
    /// <summary>The models a virtual key may use ("models" when it was made), or null for any.</summary>
    public IReadOnlyList<string>? AllowedModels { get; set; }
    /// <summary>The problem code when the gateway turned the request away ("rate_limited", "key_unknown", ...).</summary>
    public string? Rejection { get; set; }
    public GenerationJob? Job { get; private set; }

    public static CallRecord? Of(HttpContext http) => http.Features.Get<CallRecord>();

    public void Track(GenerationJob job) => Job = job;

    /// <summary>Tokens used so far: the result's when the generation finished, else what it had done when it stopped.</summary>
    public (int Prompt, int Completion, string? FinishReason, double TokensPerSecond) Usage()
    {
        if (Job is null) return (0, 0, null, 0);
        if (Job.Completion.IsCompletedSuccessfully)
        {
            var r = Job.Completion.Result;
            return (r.Usage.PromptTokens, r.Usage.CompletionTokens, r.FinishReason, r.Timings.TokensPerSecond);
        }
        return (Job.Plan.PromptTokens.Length, Job.CompletionTokens, Job.Completion.IsCanceled ? "cancelled" : "error", 0);
    }
}
