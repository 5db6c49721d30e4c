using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Upstreams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomGpt.ModelApi.Apis;

public static class HealthApi
{
    /// <summary>GET /health: anonymous and cheap. 200 only when every local model can generate.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health)
            .AllowAnonymous()
            .WithName("Health")
            .WithSummary("Whether the models are loaded and ready to generate, each with its own state.");
        return app;
    }

    static ModelHealth Of(LocalModel model)
    {
        var s = model.Host.Status;
        return new ModelHealth(model.Name, ModelKinds.Local, s.State, s.Info, s.Progress, s.Error);
    }

    static JsonHttpResult<HealthResponse> Health(ModelCatalog catalog, Gateway.KeyDatabase keys, HttpContext http)
    {
        var models = catalog.Models.Select(m => m switch
        {
            LocalModel l => Of(l),
            UpstreamModel u => UpstreamRoutes.Health(http.RequestServices, u),
            _ => throw new InvalidOperationException($"Unknown model kind {m.GetType().Name}."),
        }).ToList();
        // Fail closed: an instance that cannot check keys is not ready, whatever the models say.
        if (keys.Problem is { } reason)
            return TypedResults.Json(new HealthResponse(HealthStatus.Error, Error: reason, Code: ProblemCodes.DatabaseUnavailable, Models: models), statusCode: StatusCodes.Status503ServiceUnavailable);

        // The instance is ready when every local model it started with is (models added at run time report their own state only).
        var deciding = catalog.Models.OfType<LocalModel>().Where(l => !l.AddedAtRuntime).Select(l => (l.Name, l.Host.Status)).DistinctBy(l => l.Status).ToList();
        var defaultInfo = (catalog.Default as LocalModel)?.Host.Status.Info;
        if (deciding.All(d => d.Status.State == HealthStatus.Ok))
            return TypedResults.Json(new HealthResponse(HealthStatus.Ok, defaultInfo, Models: models), statusCode: StatusCodes.Status200OK);

        var failed = deciding.Where(d => d.Status.State == HealthStatus.Error).ToList();
        var loading = deciding.Where(d => d.Status.State == HealthStatus.Loading).ToList();
        // One model: its own words, as before; several: each failed model named.
        var error = failed.Count == 0 ? null
            : catalog.Configured ? string.Join(" ", failed.Select(f => $"'{f.Name}': {f.Status.Error}")) : failed[0].Status.Error;
        var progress = loading.Count > 0 && failed.Count == 0 && loading.All(l => l.Status.Progress is not null) ? loading.Min(l => l.Status.Progress) : null;
        return TypedResults.Json(new HealthResponse(failed.Count > 0 ? HealthStatus.Error : HealthStatus.Loading, defaultInfo, error, progress, Models: models),
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
