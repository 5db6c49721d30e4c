using CustomGpt.ModelApi.Client;
using CustomGpt.ModelApi.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomGpt.ModelApi.Apis;

public static class HealthApi
{
    /// <summary>GET /health: anonymous and cheap. 200 only when the model can generate.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health)
            .WithName("Health")
            .WithSummary("Whether the model is loaded and ready to generate.");
        return app;
    }

    static JsonHttpResult<HealthResponse> Health(ModelHost host)
    {
        var s = host.Status;
        return s.State == HealthStatus.Ok
            ? TypedResults.Json(new HealthResponse(HealthStatus.Ok, s.Info), statusCode: StatusCodes.Status200OK)
            : TypedResults.Json(new HealthResponse(s.State, Error: s.Error, Progress: s.Progress), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
