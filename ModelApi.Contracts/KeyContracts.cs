using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomGpt.ModelApi.Contracts;

// The key routes (/key/generate, /key/info, /key/list, /key/update, /key/delete): LiteLLM's names and
// fields, so its users' scripts carry over. Master key only. Token counts are prompt + completion.

/// <summary>What /key/generate and /key/update both take. Everything optional: a key with no limits that never expires.</summary>
public abstract record KeySettings
{
    public string? KeyAlias { get; init; }
    /// <summary>"30s", "15m", "12h", "30d": the key expires this long from now.</summary>
    public string? Duration { get; init; }
    public long? RpmLimit { get; init; }
    public long? TpmLimit { get; init; }
    /// <summary>Tokens the key may use over its whole life.</summary>
    public long? TokenBudget { get; init; }
    /// <summary>LiteLLM's max_budget: what the key may spend over its whole life, in the currency of the models' costs.</summary>
    public double? MaxBudget { get; init; }
    public IReadOnlyList<string>? Models { get; init; }
    /// <summary>Any JSON object, kept with the key (who it is for, a ticket number...).</summary>
    public JsonElement? Metadata { get; init; }
}

/// <summary>POST /key/generate.</summary>
public sealed record KeyGenerateRequest : KeySettings;

/// <summary>The new key. <see cref="Key"/> is the secret, shown this once; <see cref="KeyName"/> is how it is named afterwards.</summary>
public sealed record KeyGenerateResponse(string Key, string KeyName, string? KeyAlias, DateTimeOffset? Expires,
    long? RpmLimit, long? TpmLimit, long? TokenBudget, IReadOnlyList<string>? Models, JsonElement? Metadata, double? MaxBudget = null);

/// <summary>POST /key/update: the key (secret or key name) and the settings to change; absent fields stay as they are,
/// and a field sent as null is taken away (no limit, no expiry, any model), as LiteLLM reads it.</summary>
public sealed record KeyUpdateRequest : KeySettings
{
    public string? Key { get; init; }
    /// <summary>True refuses the key (401 key_blocked) until it is set back to false.</summary>
    public bool? Blocked { get; init; }
    /// <summary>Settings to take away; the typed client sends each as a JSON null.</summary>
    [JsonIgnore] public IReadOnlyList<KeySetting> Remove { get; init; } = [];
}

/// <summary>The settings of <see cref="KeySettings"/> that /key/update can take away.</summary>
public enum KeySetting { KeyAlias, Duration, RpmLimit, TpmLimit, TokenBudget, Models, Metadata, MaxBudget }

public static class KeySettingNames
{
    /// <summary>The setting's name in JSON ("rpm_limit").</summary>
    public static string Of(KeySetting setting) => JsonNamingPolicy.SnakeCaseLower.ConvertName(setting.ToString());
}

/// <summary>POST /key/delete: secrets or key names.</summary>
public sealed record KeyDeleteRequest(IReadOnlyList<string>? Keys);

public sealed record KeyDeleteResponse(IReadOnlyList<string> DeletedKeys);

/// <summary>What a key has used. spend_tokens = prompt_tokens + completion_tokens; reserved_tokens is held by requests
/// still running (what they may use at most), counted against token_budget until they end. <see cref="Spend"/> is in
/// currency (the models' model_info costs; local models cost 0 unless configured); <see cref="Models"/>, the same per model name.</summary>
public sealed record KeyUsage(long Requests, long PromptTokens, long CompletionTokens, long SpendTokens, DateTimeOffset? LastUsed,
    long ReservedTokens = 0, double Spend = 0, IReadOnlyDictionary<string, ModelUsage>? Models = null);

/// <summary>A key's usage of one model.</summary>
public sealed record ModelUsage(long Requests, long PromptTokens, long CompletionTokens, double Spend);

/// <summary>A key's settings and usage; never its secret.</summary>
public sealed record KeyInfo(string KeyName, string? KeyAlias, DateTimeOffset Created, DateTimeOffset? Expires, bool Blocked,
    long? RpmLimit, long? TpmLimit, long? TokenBudget, IReadOnlyList<string>? Models, JsonElement? Metadata, KeyUsage Usage,
    double? MaxBudget = null);

/// <summary>GET /key/info?key=..., or without a key: about the calling key, whatever it is. <see cref="Role"/> is one of
/// <see cref="KeyRoles"/>; <see cref="Key"/> and <see cref="Info"/> are set for a virtual key only.</summary>
public sealed record KeyInfoResponse(string? Key, KeyInfo? Info, string Role = KeyRoles.VirtualKey);

/// <summary>What a caller's key is: the master key (MASTER_KEY), a virtual key, the single API_KEY, or no key at all
/// (an open server); "metrics" is METRICS_TOKEN, which reads /metrics only.</summary>
public static class KeyRoles
{
    public const string Master = "master";
    public const string VirtualKey = "virtual_key";
    public const string ApiKey = "api_key";
    public const string Open = "open";
    public const string Metrics = "metrics";
}

/// <summary>GET /key/list</summary>
public sealed record KeyListResponse(IReadOnlyList<KeyInfo> Keys);
