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
}
