namespace CustomGpt.ModelApi.Contracts;

// The HTTP contract, shared by ModelApi and its callers so the two never drift.
// Property names go over the wire in snake_case (ModelApiJson): NumChars is "num_chars".

/// <summary>The sampling fields /generate and /chat share. Every field is optional.</summary>
public abstract record SamplingRequest
{
    /// <summary>Which served model answers (a name from GET /v1/models). Absent: the default model (DEFAULT_MODEL, or the first of the list).</summary>
    public string? Model { get; init; }
    /// <summary>Same seed, model, parameters and prompt give the same text. Absent: a random seed, returned in the response.</summary>
    public long? Seed { get; init; }
    /// <summary>0 is greedy; higher is more random. Default 0.8.</summary>
    public double? Temperature { get; init; }
    /// <summary>Upper bound on generated tokens.</summary>
    public int? MaxTokens { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public double? MinP { get; init; }
    public double? RepeatPenalty { get; init; }
    /// <summary>Generation ends before the first occurrence of any of these; the stop text is not returned.</summary>
    public IReadOnlyList<string>? Stop { get; init; }
    /// <summary>True: Server-Sent Events, one per text delta, then a final "done" event.</summary>
    public bool? Stream { get; init; }
    /// <summary>
    /// A text longer than the context moves its window on (a context shift), forgetting its oldest tokens.
    /// True: the prompt's tokens are never forgotten, only what came after them. Default false.
    /// </summary>
    public bool? KeepPrompt { get; init; }
}

/// <summary>POST /generate. Every field is optional; the original API took seed, temperature and num_chars.</summary>
public sealed record GenerateRequest : SamplingRequest
{
    public GenerateRequest() { }

    /// <summary>No prompt yet, the sampling fields of another request (e.g. a chat's).</summary>
    public GenerateRequest(SamplingRequest sampling) : base(sampling) { }

    /// <summary>Text to continue. Empty: the model starts from its beginning-of-text token.</summary>
    public string? Prompt { get; init; }
    /// <summary>Exact length of the generated text in characters, unless end-of-text or a stop sequence comes first.</summary>
    public int? NumChars { get; init; }
    /// <summary>True: never end at the model's end-of-text token, so the text runs to num_chars or max_tokens.</summary>
    public bool? IgnoreEos { get; init; }
}

public static class FinishReasons
{
    public const string Length = "length";
    public const string Stop = "stop";
    public const string Eos = "eos";
}

/// <summary><c>cached_tokens</c>: prompt tokens reused from an earlier request (a shared prefix), not decoded again.</summary>
public sealed record Usage(int PromptTokens, int CompletionTokens, int CachedTokens = 0);

/// <summary>Where the time went. tokens_per_second counts generated tokens after the first;
/// context_shifts, how often a text longer than the context moved its window on.</summary>
public sealed record Timings(double TtftMs, double PromptTokensPerSecond, double TokensPerSecond, double TotalMs, int ContextShifts = 0);

public sealed record GenerateResponse(string GeneratedText, long Seed, string FinishReason, Usage Usage, Timings Timings);

/// <summary>Stream event "delta": the next piece of text (always whole characters).</summary>
public sealed record GenerateDelta(string Text);

/// <summary>Stream event "done": how the generation ended.</summary>
public sealed record GenerateDone(long Seed, string FinishReason, Usage Usage, Timings Timings);

/// <summary>Stream event "error": the generation could not go on. <c>code</c> as in <see cref="ProblemCodes"/> when
/// it is a reason to retry (e.g. "shutting_down": another instance will answer).</summary>
public sealed record GenerateError(string Error, string? Code = null);

/// <summary><c>model</c>: whose tokenizer; absent, the default model's.</summary>
public sealed record TokenizeRequest(string? Text, string? Model = null);

public sealed record TokenizeResponse(IReadOnlyList<int> Tokens, int Count);

public static class HealthStatus
{
    public const string Loading = "loading";
    public const string Ok = "ok";
    public const string Error = "error";
    /// <summary>An upstream deployment that kept failing, out of rotation until its cool-down ends.</summary>
    public const string Cooldown = "cooldown";
}

/// <summary>GET /health: "loading" (503), "ok" (200) with the model, or "error" (503) with the reason
/// (and a <see cref="ProblemCodes"/> code when the key database is unavailable). <see cref="Model"/> is the default
/// model; <see cref="Models"/> lists every served model with its own state (when a model list is configured).</summary>
public sealed record HealthResponse(string Status, ModelInfo? Model = null, string? Error = null, double? Progress = null, string? Code = null,
    IReadOnlyList<ModelHealth>? Models = null);

/// <summary>One served model's state in /health. <see cref="Kind"/> is one of <see cref="ModelKinds"/>;
/// <see cref="Status"/> one of <see cref="HealthStatus"/> ("cooldown": an upstream taken out of rotation for a while).</summary>
public sealed record ModelHealth(string Name, string Kind, string Status, ModelInfo? Info = null, double? Progress = null, string? Error = null,
    IReadOnlyList<DeploymentHealth>? Deployments = null);

/// <summary>One deployment behind a model name (an upstream's api_base host, never its key).</summary>
public sealed record DeploymentHealth(string Id, string Status, DateTimeOffset? CooldownUntil = null);

/// <summary>GET /v1/models (OpenAI's shape): the models the calling key may use.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

/// <summary><see cref="OwnedBy"/>: "customgpt" for a local model, the provider for an upstream.</summary>
public sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

public static class ModelKinds
{
    /// <summary>A GGUF file served by this process through llama.cpp.</summary>
    public const string Local = "local";
    /// <summary>An OpenAI-compatible endpoint requests are forwarded to.</summary>
    public const string Upstream = "upstream";
}

public sealed record ModelInfo(
    string Name,
    string Architecture,
    ulong Parameters,
    string Quantization,
    int ContextLength,
    long FileSizeBytes,
    long LoadMs,
    // False: /chat and /v1/chat/completions use the plain "role: content" transcript.
    bool HasChatTemplate = false,
    // The server's MAX_CHARS: the most num_chars (and max_tokens) one request may ask for.
    int MaxChars = 0);

/// <summary>The "code" of a problem: why the API cannot answer (503), or why the gateway turned a request away.</summary>
public static class ProblemCodes
{
    public const string Loading = "loading";
    public const string ModelFailed = "model_failed";
    public const string Busy = "busy";
    public const string ShuttingDown = "shutting_down";
    /// <summary>503: the key database did not answer; nothing is let through unchecked.</summary>
    public const string DatabaseUnavailable = "database_unavailable";
    /// <summary>401: no key was sent.</summary>
    public const string KeyMissing = "key_missing";
    /// <summary>401: the key is not one this service knows (wrong, or deleted).</summary>
    public const string KeyUnknown = "key_unknown";
    public const string KeyExpired = "key_expired";
    public const string KeyBlocked = "key_blocked";
    /// <summary>403: only the master key may call this route.</summary>
    public const string MasterKeyRequired = "master_key_required";
    /// <summary>403: the key's "models" list does not name the model this service serves.</summary>
    public const string ModelNotAllowed = "key_model_not_allowed";
    /// <summary>429: rpm_limit or RATE_LIMIT_RPM reached for this minute (see Retry-After).</summary>
    public const string RateLimited = "rate_limited";
    /// <summary>429: the key's tpm_limit has no room this minute for what the request may use (see Retry-After).</summary>
    public const string TpmExceeded = "tpm_exceeded";
    /// <summary>429: the key's token_budget has no room left for what the request may use.</summary>
    public const string BudgetExceeded = "budget_exceeded";
    /// <summary>429: too many wrong keys from this client address this minute (see Retry-After); every key is refused until then.</summary>
    public const string TooManyFailedKeys = "too_many_failed_keys";
    /// <summary>413: the request body is larger than MAX_BODY_BYTES.</summary>
    public const string BodyTooLarge = "body_too_large";
    /// <summary>409: another key has this key_alias already.</summary>
    public const string KeyAliasTaken = "key_alias_taken";
    /// <summary>404: no served model has the requested name (the detail names the known ones).</summary>
    public const string ModelNotFound = "model_not_found";
    /// <summary>502: every deployment of an upstream model (and its fallbacks) failed.</summary>
    public const string UpstreamFailed = "upstream_failed";
    /// <summary>504: the upstream did not answer within its timeout.</summary>
    public const string UpstreamTimeout = "upstream_timeout";
    /// <summary>An upstream's own 4xx about the request (its status kept, its message in the detail).</summary>
    public const string UpstreamError = "upstream_error";
}
