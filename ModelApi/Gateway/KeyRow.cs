using System.Text.Json;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>One virtual key as stored: its settings and its usage. Times are Unix seconds (UTC).
/// The secret itself is never stored, only its SHA-256 (<see cref="KeyHash"/>) and a short visible <see cref="KeyId"/>.</summary>
public sealed class KeyRow
{
    /// <summary>"sk-" and the secret's first characters: enough to tell keys apart, useless to call with.</summary>
    public string KeyId { get; set; } = "";
    public string KeyHash { get; set; } = "";
    public string? KeyAlias { get; set; }
    public long Created { get; set; }
    public long? Expires { get; set; }
    /// <summary>0 or 1 (an integer in both databases).</summary>
    public long Blocked { get; set; }
    public long? RpmLimit { get; set; }
    public long? TpmLimit { get; set; }
    public long? TokenBudget { get; set; }
    /// <summary>JSON array of model names, as given.</summary>
    public string? Models { get; set; }
    /// <summary><see cref="Models"/> read back as names.</summary>
    public string[]? ModelNames => Models is null ? null : JsonSerializer.Deserialize<string[]>(Models);
    /// <summary>JSON object, as given.</summary>
    public string? Metadata { get; set; }
    public long Requests { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long? LastUsed { get; set; }
    /// <summary>Tokens held by requests still running (<see cref="Reservation"/>), counted against the budget.</summary>
    public long ReservedTokens { get; set; }
    /// <summary>LiteLLM's max_budget: what the key may spend in all, in the currency of the models' costs.</summary>
    public double? MaxBudget { get; set; }
    /// <summary>What the key has spent (prompt and completion tokens at their models' costs).</summary>
    public double Spend { get; set; }
    /// <summary>Spend held by requests still running, counted against <see cref="MaxBudget"/>.</summary>
    public double ReservedSpend { get; set; }

    public long SpendTokens => PromptTokens + CompletionTokens;

    public bool IsExpired(long now) => Expires is { } at && at <= now;

    /// <summary>How a person would name the key in a log line or on /metrics.</summary>
    public string DisplayName => string.IsNullOrEmpty(KeyAlias) ? KeyId : KeyAlias;
}

/// <summary>What admitting one request into the current minute found: that minute's counts so far
/// (this request included) and the key's lifetime token spend (null for a client address).</summary>
public sealed class WindowCount
{
    public long Requests { get; set; }
    public long Tokens { get; set; }
    public long? Spend { get; set; }
    /// <summary>The key's spend in currency (null for a client address).</summary>
    public double? Money { get; set; }
}

/// <summary>One key's usage of one model (the key_model_usage table).</summary>
public sealed class ModelUsageRow
{
    public string KeyId { get; set; } = "";
    public string Model { get; set; } = "";
    public long Requests { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public double Spend { get; set; }
}

/// <summary>Tokens one request holds from its start until it ends: <see cref="BudgetTokens"/> against the key's
/// token_budget, <see cref="WindowTokens"/> against its tpm_limit in the minute <see cref="WindowStart"/>.</summary>
public sealed record Reservation(string Id, string KeyId, long BudgetTokens, long WindowTokens, long WindowStart, double BudgetSpend = 0)
{
    /// <summary>After this, a reservation whose request never ended (its instance was killed) is given back.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
}

/// <summary>Which limit had no room (<see cref="ProblemCodes.TpmExceeded"/> or <see cref="ProblemCodes.BudgetExceeded"/>),
/// the limit, and what was used and held when the request asked.</summary>
public sealed record ReservationRefusal(string Code, long Limit, long Used, SpendRefusal? Spend = null);

/// <summary>max_budget had no room: the budget, and what was spent and held when the request asked.</summary>
public sealed record SpendRefusal(double MaxBudget, double SpentAndHeld);
