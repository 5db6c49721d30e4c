namespace CustomGpt.ModelApi.Models;

/// <summary>
/// LiteLLM's router_settings and litellm_settings.fallbacks: how often a failed upstream call moves on to the next
/// deployment of the same name, how long one may take, how many failures in a minute take a deployment out of
/// rotation (allowed_fails) and for how long (cooldown_time), and which model names to try when all deployments fail.
/// </summary>
public sealed record RouterSettings(
    int NumRetries,
    TimeSpan Timeout,
    int AllowedFails,
    TimeSpan CooldownTime,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Fallbacks)
{
    /// <summary>What applies when the config says nothing: LiteLLM's defaults (litellm/constants.py DEFAULT_MAX_RETRIES 2,
    /// DEFAULT_ALLOWED_FAILS 3, DEFAULT_COOLDOWN_TIME_SECONDS 5; litellm.request_timeout 6000 s). docs/upstreams.md lists them.</summary>
    public static readonly RouterSettings Default = new(2, TimeSpan.FromSeconds(6000), 3, TimeSpan.FromSeconds(5),
        new Dictionary<string, IReadOnlyList<string>>());
}
