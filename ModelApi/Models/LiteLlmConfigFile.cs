namespace CustomGpt.ModelApi.Models;

// LiteLLM's config.yaml as YamlDotNet reads it (snake_case keys). Only what ModelApi uses is here; any other key is
// reported once as ignored (ModelsConfigLoader), so an operator can bring the file they already have.
// Public settable properties: YamlDotNet fills them by reflection.

public sealed class LiteLlmConfigFile
{
    public List<ModelListEntry?>? ModelList { get; set; }
    public RouterSettingsSection? RouterSettings { get; set; }
    public LitellmSettingsSection? LitellmSettings { get; set; }
    public GeneralSettingsSection? GeneralSettings { get; set; }
}

public sealed class ModelListEntry
{
    public string? ModelName { get; set; }
    public LitellmParams? LitellmParams { get; set; }
    public ModelInfoSection? ModelInfo { get; set; }
}

public sealed class LitellmParams
{
    /// <summary>"gguf/PATH-OR-URL" (served here) or "openai/NAME" (forwarded).</summary>
    public string? Model { get; set; }
    public string? ApiBase { get; set; }
    public string? ApiKey { get; set; }
    /// <summary>Seconds.</summary>
    public double? Timeout { get; set; }
    public int? Rpm { get; set; }
    public int? Tpm { get; set; }
    /// <summary>This project's: lanes of a local model (PARALLEL for this entry).</summary>
    public int? Parallel { get; set; }
    /// <summary>This project's: positions per lane of a local model (CONTEXT_SIZE for this entry).</summary>
    public int? ContextSize { get; set; }
    /// <summary>LiteLLM's custom pricing may sit here too; model_info wins when both are given.</summary>
    public double? InputCostPerToken { get; set; }
    public double? OutputCostPerToken { get; set; }
}

public sealed class ModelInfoSection
{
    public double? InputCostPerToken { get; set; }
    public double? OutputCostPerToken { get; set; }
}

public sealed class RouterSettingsSection
{
    public int? NumRetries { get; set; }
    /// <summary>Seconds.</summary>
    public double? Timeout { get; set; }
    public int? AllowedFails { get; set; }
    /// <summary>Seconds.</summary>
    public double? CooldownTime { get; set; }
}

public sealed class LitellmSettingsSection
{
    /// <summary>[ { model_name: [fallback, ...] }, ... ]</summary>
    public List<Dictionary<string, List<string>>?>? Fallbacks { get; set; }
    /// <summary>LiteLLM also reads num_retries and request_timeout here; router_settings wins when both are given.</summary>
    public int? NumRetries { get; set; }
    public double? RequestTimeout { get; set; }
}

public sealed class GeneralSettingsSection
{
    public string? MasterKey { get; set; }
    public string? DatabaseUrl { get; set; }
}
