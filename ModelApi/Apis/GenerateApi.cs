using System.Text.Json;
using CustomGpt.ModelApi.Client;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Apis;

public static class GenerateApi
{
    public static IEndpointRouteBuilder MapGenerateApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/generate", Generate)
            .WithJsonBody<GenerateRequest>()
            .Produces<GenerateResponse>()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("Generate")
            .WithSummary("Generates text; with \"stream\": true as Server-Sent Events.");
        return app;
    }

    static async Task<IResult> Generate(HttpContext http, ModelHost host, ModelApiSettings settings, ILogger<GenerationScheduler> logger)
    {
        var (request, error) = await JsonBody.ReadAsync<GenerateRequest>(http.Request);
        if (error is not null) return error;
        var status = host.Status;
        if (status is not { Model: { } model, Scheduler: { } scheduler }) return ModelUnavailable.For(status, http);
        if (host.ShuttingDown) return ModelUnavailable.ShuttingDown(http);

        var (plan, errors) = GenerationPlanner.Plan(request!, model, scheduler.SequenceContextSize, settings.MaxChars);
        if (plan is null) return TypedResults.ValidationProblem(errors, title: "The request is not valid.");
        if (settings.LogPrompts) logger.LogInformation("Prompt: {Prompt}", request!.Prompt);

        var stream = request!.Stream ?? http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        var job = new GenerationJob(plan, streamDeltas: stream, http.RequestAborted);
        if (!scheduler.TryEnqueue(job))
        {
            http.Response.Headers.RetryAfter = "2";
            return TypedResults.Problem(
                title: "Busy",
                detail: $"All {scheduler.Parallel} sequences are generating and the queue is full; retry shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (stream) return new ServerSentEvents(job);

        var result = await job.Completion;
        return TypedResults.Ok(new GenerateResponse(result.Text, result.Seed, result.FinishReason, result.Usage, result.Timings));
    }

    /// <summary>Writes one "delta" event per piece of text, then "done" (or "error").</summary>
    sealed class ServerSentEvents(GenerationJob job) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var response = http.Response;
            var ct = http.RequestAborted;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold events back
            await response.Body.FlushAsync(ct);
            try
            {
                while (await job.Deltas.WaitToReadAsync(ct))
                {
                    // Send everything already produced in one write: fewer syscalls when the client lags.
                    while (job.Deltas.TryRead(out var text)) await Write(response, "delta", new GenerateDelta(text), ct);
                    await response.Body.FlushAsync(ct);
                }
                var result = await job.Completion;
                await Write(response, "done", new GenerateDone(result.Seed, result.FinishReason, result.Usage, result.Timings), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // the client left; the scheduler frees the sequence at its next step
            }
            catch (Exception e)
            {
                await Write(response, "error", new GenerateError(e.Message), ct);
            }
            await response.Body.FlushAsync(ct);
        }

        static async Task Write<T>(HttpResponse response, string name, T data, CancellationToken ct)
        {
            var json = JsonSerializer.Serialize(data, ModelApiJson.Options);
            await response.WriteAsync($"event: {name}\ndata: {json}\n\n", ct);
        }
    }
}
