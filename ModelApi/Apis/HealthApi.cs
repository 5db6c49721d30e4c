using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomGpt.ModelApi.Apis;

public static class HealthApi
{
    /// <summary>GET /health: anonymous and cheap. 200 only when the model can generate.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health)
            .AllowAnonymous()
            .WithName("Health")
            .WithSummary("Whether the model is loaded and ready to generate.");
        return app;
    }

    static JsonHttpResult<HealthResponse> Health(ModelHost host, Gateway.KeyDatabase keys)
    {
        // Fail closed: an instance that cannot check keys is not ready, whatever the model says.
        if (keys.Problem is { } reason)
            return TypedResults.Json(new HealthResponse(HealthStatus.Error, Error: reason, Code: ProblemCodes.DatabaseUnavailable), statusCode: StatusCodes.Status503ServiceUnavailable);
        var s = host.Status;
        return s.State == HealthStatus.Ok
            ? TypedResults.Json(new HealthResponse(HealthStatus.Ok, s.Info), statusCode: StatusCodes.Status200OK)
            : TypedResults.Json(new HealthResponse(s.State, Error: s.Error, Progress: s.Progress), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
