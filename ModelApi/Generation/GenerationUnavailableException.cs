using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Why a request that was accepted could not be generated: the instance is shutting down, or the
/// generation thread stopped. The HTTP side answers 503 with <see cref="Code"/> (<see cref="ProblemCodes"/>)
/// and Retry-After, or, when the stream has begun, an error event carrying the same code.
/// </summary>
public sealed class GenerationUnavailableException(string code, string message, int retryAfterSeconds) : Exception(message)
{
    public string Code { get; } = code;
    public int RetryAfterSeconds { get; } = retryAfterSeconds;

    public static GenerationUnavailableException ShuttingDown() =>
        new(ProblemCodes.ShuttingDown, "This instance is shutting down; retry and another will answer.", 1);

    public static GenerationUnavailableException Stopped() =>
        new(ProblemCodes.ModelFailed, "The generation thread stopped; this instance is restarting.", 5);
}
