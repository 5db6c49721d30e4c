namespace CustomGpt.ModelApi.Models;

/// <summary>
/// One model_list entry whose litellm_params.model is "openai/...": an OpenAI-compatible endpoint that requests for
/// <see cref="ModelName"/> are forwarded to. Several deployments may share a model name (balanced and retried).
/// <see cref="ApiKey"/> is resolved from the environment (os.environ/NAME) and never leaves the process.
/// </summary>
public sealed record UpstreamDeployment(
    string ModelName,
    string UpstreamModel,
    Uri ApiBase,
    string? ApiKey,
    TimeSpan Timeout,
    int? Rpm,
    int? Tpm,
    ModelCosts Costs)
{
    /// <summary>How logs, metrics and /health name the deployment: its host and path, never its key or query.</summary>
    public string Id => $"{ApiBase.Host}{(ApiBase.IsDefaultPort ? "" : $":{ApiBase.Port}")}{ApiBase.AbsolutePath.TrimEnd('/')}";

    public override string ToString() => $"{ModelName} -> {Id}"; // the record's default would print the key
}
