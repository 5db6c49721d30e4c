using CustomGpt.ModelApi.Client;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Apis;

static class ModelUnavailable
{
    /// <summary>503 with Retry-After while the model loads or after it failed to.</summary>
    public static IResult For(ModelStatus status, HttpContext http)
    {
        http.Response.Headers.RetryAfter = status.State == HealthStatus.Loading ? "5" : "30";
        return TypedResults.Problem(
            title: status.State == HealthStatus.Loading ? "The model is still loading." : "The model could not be loaded.",
            detail: status.Error ?? "Try again in a few seconds; GET /health says when the model is ready.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>503 while the instance drains after SIGTERM: the platform routes the retry elsewhere.</summary>
    public static IResult ShuttingDown(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(title: "Shutting down.", detail: "This instance is stopping; retry and another will answer.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
