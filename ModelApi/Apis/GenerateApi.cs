using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Upstreams;

namespace CustomGpt.ModelApi.Apis;

public static class GenerateApi
{
    public static IEndpointRouteBuilder MapGenerateApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/generate", Generate)
            .Generating<GenerateRequest, GenerateResponse>()
            .WithName("Generate")
            .WithSummary("Generates text; with \"stream\": true as Server-Sent Events.");
        return app;
    }

    /// <summary>The OpenAPI description every generating route of ours shares: JSON or a stream, and the same failures.</summary>
    internal static RouteHandlerBuilder Generating<TRequest, TResponse>(this RouteHandlerBuilder route) => route
        .WithJsonBody<TRequest>()
        .Produces<TResponse>()
        .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Our streams' closing event when a generation could not go on (also /chat's).</summary>
    internal static ServerSentEvent ErrorEvent(Exception e) => new("error", new GenerateError(e.Message, (e as GenerationUnavailableException)?.Code));

    static async Task<IResult> Generate(HttpContext http, ModelCatalog catalog, ModelApiSettings settings, ILogger<GenerationStart> logger)
    {
        var (request, error) = await JsonBody.ReadAsync<GenerateRequest>(http.Request);
        if (error is not null) return error;
        var (served, refused) = ModelRouting.Resolve(http, catalog, request!.Model);
        if (served is null) return refused!;
        var stream = request.Stream ?? GenerationStart.WantsEventStream(http.Request);
        if (served is UpstreamModel upstream) return await UpstreamRoutes.GenerateAsync(http, upstream, request, stream);
        var (job, problem) = await GenerationStart.StartAsync(http, (LocalModel)served, settings, logger, stream, _ => request);
        if (job is null) return problem!;
        if (stream)
        {
            return new EventStream(job,
                delta: text => new("delta", new GenerateDelta(text)),
                done: r => [new("done", new GenerateDone(r.Seed, r.FinishReason, r.Usage, r.Timings))],
                error: ErrorEvent);
        }
        return await GenerationStart.RespondAsync(job, http,
            r => TypedResults.Ok(new GenerateResponse(r.Text, r.Seed, r.FinishReason, r.Usage, r.Timings)));
    }
}
