using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Problems;

/// <summary>503 problems with Retry-After and a machine-readable "code" (<see cref="ProblemCodes"/>).</summary>
public static class ModelUnavailable
{
    /// <summary>While the model loads, or after it failed to.</summary>
    public static IResult For(ModelStatus status, HttpContext http) => status.State == HealthStatus.Loading
        ? Problem(http, ProblemCodes.Loading, retryAfterSeconds: 5, "The model is still loading.",
            "Try again in a few seconds; GET /health says when the model is ready.")
        : Problem(http, ProblemCodes.ModelFailed, retryAfterSeconds: 30, "The model could not be loaded.", status.Error ?? "See GET /health.");

    /// <summary>Every sequence is generating and the queue is full.</summary>
    public static IResult Busy(HttpContext http, int parallel) =>
        Problem(http, ProblemCodes.Busy, retryAfterSeconds: 2, "Busy", $"All {parallel} sequences are generating and the queue is full; retry shortly.");

    /// <summary>While the instance drains after SIGTERM: the platform routes the retry elsewhere.</summary>
    public static IResult ShuttingDown(HttpContext http) =>
        Problem(http, ProblemCodes.ShuttingDown, retryAfterSeconds: 1, "Shutting down.", "This instance is stopping; retry and another will answer.");

    /// <summary>An accepted request that could not be generated after all.</summary>
    public static IResult From(GenerationUnavailableException e, HttpContext http) =>
        Problem(http, e.Code, e.RetryAfterSeconds, "Service unavailable", e.Message);

    /// <summary>The key database did not answer: fail closed rather than let the request through unchecked.</summary>
    public static IResult Database(HttpContext http, string? reason) =>
        Problem(http, ProblemCodes.DatabaseUnavailable, retryAfterSeconds: 5, "The key database is unavailable.", reason ?? "See GET /health.");

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(HttpContext http, string code, int retryAfterSeconds, string title, string detail)
    {
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return CodedProblem.Of(StatusCodes.Status503ServiceUnavailable, code, title, detail);
    }
}
