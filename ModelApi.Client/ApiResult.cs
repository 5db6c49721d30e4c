using System.Diagnostics.CodeAnalysis;

namespace CustomGpt.ModelApi.Client;

/// <summary>What went wrong, in words a person can act on. Never a raw exception text.</summary>
public enum ApiFailureKind
{
    /// <summary>No connection: refused, host unknown, reset. <see cref="ApiFailure.Message"/> says which.</summary>
    Unreachable,
    /// <summary>The API did not answer within the configured timeout.</summary>
    Timeout,
    /// <summary>401/403: the API key is missing or wrong.</summary>
    Unauthorized,
    /// <summary>400/415: the request was refused; <see cref="ApiFailure.Field"/> names the field.</summary>
    Rejected,
    /// <summary>503: every sequence is busy and the queue is full; retry after <see cref="ApiFailure.RetryAfter"/>.</summary>
    Busy,
    /// <summary>The model is still loading (warming up).</summary>
    Loading,
    /// <summary>The model could not be loaded; the service cannot generate.</summary>
    ModelFailed,
    /// <summary>The API failed while answering (5xx, or an "error" event mid-stream).</summary>
    ServerError,
    /// <summary>Something answered, but not the way ModelApi does (wrong address?).</summary>
    Unexpected,
    /// <summary>429 rate_limited: the key's rpm_limit (or the address's RATE_LIMIT_RPM) is reached for this minute, or
    /// too_many_failed_keys: too many wrong keys from this address (<see cref="ApiFailure.Code"/> says which);
    /// <see cref="ApiFailure.Limit"/> and <see cref="ApiFailure.RetryAfter"/> say how many and when.</summary>
    RateLimited,
    /// <summary>429 tpm_exceeded: the key's tokens for this minute (tpm_limit) are used up; retry after <see cref="ApiFailure.RetryAfter"/>.</summary>
    TpmExceeded,
    /// <summary>429 budget_exceeded: the key's token_budget is spent; retrying will not help until the operator raises it.</summary>
    BudgetExceeded,
    /// <summary>403 key_model_not_allowed: the key's "models" do not include the model this service serves.</summary>
    ModelNotAllowed,
    /// <summary>404 model_not_found: no served model has the name asked for (a model taken off the list, or mistyped).</summary>
    ModelNotFound,
    /// <summary>503 database_unavailable: the API's key database did not answer, so no key can be checked; retry later.</summary>
    DatabaseUnavailable,
}

/// <summary>A typed failure: the kind, a sentence for people, and the details a caller can act on.</summary>
public sealed record ApiFailure(ApiFailureKind Kind, string Message)
{
    /// <summary>For <see cref="ApiFailureKind.Rejected"/>: the JSON field at fault (snake_case, e.g. "num_chars").</summary>
    public string? Field { get; init; }
    /// <summary>For <see cref="ApiFailureKind.Rejected"/>: every field error the API reported.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();
    /// <summary>For <see cref="ApiFailureKind.Busy"/>, <see cref="ApiFailureKind.Loading"/>, the limits and
    /// <see cref="ApiFailureKind.DatabaseUnavailable"/>: when to try again (the Retry-After header).</summary>
    public TimeSpan? RetryAfter { get; init; }
    /// <summary>For the limits (<see cref="ApiFailureKind.RateLimited"/>, <see cref="ApiFailureKind.TpmExceeded"/>,
    /// <see cref="ApiFailureKind.BudgetExceeded"/>): the limit that was reached (the RateLimit-Limit header).</summary>
    public long? Limit { get; init; }
    /// <summary>The problem's "code" (e.g. "key_blocked"), when the API gave one.</summary>
    public string? Code { get; init; }
    /// <summary>The HTTP status, when there was a response.</summary>
    public int? StatusCode { get; init; }
    /// <summary>For a /health that is not ready (503): its whole answer, with each model's own state when it lists them.</summary>
    public HealthResponse? Health { get; init; }
}

/// <summary>Either a value or an <see cref="ApiFailure"/>, plus the round-trip time.</summary>
public sealed class ApiResult<T>
{
    internal ApiResult(T? value, ApiFailure? failure, TimeSpan elapsed)
    {
        Value = value;
        Failure = failure;
        Elapsed = elapsed;
    }

    public T? Value { get; }
    public ApiFailure? Failure { get; }
    /// <summary>From sending the request to having the whole answer.</summary>
    public TimeSpan Elapsed { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Succeeded => Failure is null;

    public override string ToString() => Succeeded ? $"ok: {Value}" : $"{Failure.Kind}: {Failure.Message}";
}

public static class ApiResult
{
    public static ApiResult<T> Success<T>(T value, TimeSpan elapsed) => new(value, null, elapsed);
    public static ApiResult<T> Failed<T>(ApiFailure failure, TimeSpan elapsed) => new(default, failure, elapsed);
}
