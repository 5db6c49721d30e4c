using System.Text.Json;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Training;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// OpenAI's Fine-tuning API over this project's trainer: POST/GET /v1/fine_tuning/jobs, GET /{id}, GET /{id}/events
/// (newest first; ?stream=true: server-sent events from the first, live until the job ends), POST /{id}/cancel,
/// POST /{id}/resume (from the checkpoint a cancelled or interrupted job kept). Master key only.
/// </summary>
public static class FineTuningApi
{
    public static IEndpointRouteBuilder MapFineTuningApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v1/fine_tuning/jobs").WithTags("Training").RequireAuthorization(GatewayPolicies.Master)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        jobs.MapPost("", Create).WithJsonBody<FineTuningJobRequest>().Produces<FineTuningJob>().ProducesValidationProblem()
            .WithName("CreateFineTuningJob").WithSummary("Queues a job: a new model from a preset (custom-gpt-tiny|small|medium), or a model trained here trained further.");
        jobs.MapGet("", List).Produces<FineTuningJobList>().WithName("ListFineTuningJobs").WithSummary("Jobs, newest first.");
        jobs.MapGet("/{id}", Get).Produces<FineTuningJob>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetFineTuningJob").WithSummary("A job: status, progress, trained tokens, fine_tuned_model, error.");
        jobs.MapGet("/{id}/events", Events).Produces<FineTuningEventList>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ListFineTuningEvents").WithSummary("A job's events, newest first (limit, after); ?stream=true: server-sent events, oldest first, until the job ends.");
        jobs.MapPost("/{id}/cancel", Cancel).Produces<FineTuningJob>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("CancelFineTuningJob").WithSummary("Stops a queued or running job; a running one saves its checkpoint first.");
        jobs.MapPost("/{id}/resume", Resume).Produces<FineTuningJob>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("ResumeFineTuningJob").WithSummary("Queues a cancelled or interrupted job again, from its last checkpoint.");
        return app;
    }

    static async Task<IResult> Create(HttpContext http, TrainingStore store, TrainingQueue queue, JobEvents events, TimeProvider time)
    {
        var (request, error) = await JsonBody.ReadAsync<FineTuningJobRequest>(http.Request);
        if (error is not null) return error;
        var (job, problem) = JobRequest.Check(request!, store, time.GetUtcNow().ToUnixTimeSeconds());
        if (problem is not null) return JsonBody.Invalid(problem.Field, problem.Message);
        var ahead = queue.Ahead;
        store.Add(job!);
        events.Add(job!.Id, $"Job created ({job.Job.Model}, preset {job.Job.Preset}); " + (ahead == 0 ? "it starts now." : $"{ahead} job{(ahead == 1 ? "" : "s")} ahead of it."));
        queue.Enqueue(job.Id);
        return TypedResults.Ok(store.FindJob(job.Id)!.Job);
    }

    /// <summary>Newest first: the store keeps jobs in the order they were made.</summary>
    static FineTuningJobList List(TrainingStore store) => new([.. store.Jobs.Reverse().Select(j => j.Job)]);

    static IResult Get(string id, TrainingStore store) => store.FindJob(id) is { } j ? TypedResults.Ok(j.Job) : NotFound(id);

    static async Task<IResult> Events(string id, HttpContext http, TrainingStore store, JobEvents events, TrainingQueue queue, string? after, int? limit, bool? stream)
    {
        if (store.FindJob(id) is null) return NotFound(id);
        if (stream == true) return await StreamAsync(id, http, store, events, queue);
        var all = events.Since(id, 0).Events;
        IEnumerable<FineTuningEvent> newestFirst = all.Reverse();
        if (after is not null) newestFirst = newestFirst.SkipWhile(e => e.Id != after).Skip(1);
        var take = Math.Clamp(limit ?? 20, 1, 10_000);
        var page = newestFirst.Take(take + 1).ToList();
        return TypedResults.Ok(new FineTuningEventList([.. page.Take(take)], page.Count > take));
    }

    /// <summary>Every event so far, then each new one as it comes, until the job has ended and its trainer too (a cancelled
    /// job's trainer still saves its checkpoint and says so); then "[DONE]".</summary>
    static async Task<IResult> StreamAsync(string id, HttpContext http, TrainingStore store, JobEvents events, TrainingQueue queue)
    {
        var response = http.Response;
        var ct = http.RequestAborted;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var sent = 0;
        try
        {
            while (true)
            {
                var final = FineTuningStatus.IsFinal(store.FindJob(id)!.Job.Status) && !queue.IsActive(id);
                var (next, changed) = events.Since(id, sent);
                foreach (var e in next)
                    await response.WriteAsync("data: " + JsonSerializer.Serialize(e, ModelApiJson.Options) + "\n\n", ct);
                sent += next.Count;
                await response.Body.FlushAsync(ct);
                if (final && next.Count == 0) break;
                // A status can end without a new event (a cancelled job's trainer still saving): look again now and then.
                await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(2), ct));
                ct.ThrowIfCancellationRequested();
            }
            await response.WriteAsync("data: [DONE]\n\n", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the reader left
        }
        return TypedResults.Empty;
    }

    static IResult Cancel(string id, TrainingStore store, TrainingQueue queue)
    {
        if (store.FindJob(id) is not { } job) return NotFound(id);
        if (FineTuningStatus.IsFinal(job.Job.Status)) return JsonBody.Invalid("id", $"The job has already ended ({job.Job.Status}).");
        return TypedResults.Ok(queue.Cancel(job).Job);
    }

    static IResult Resume(string id, TrainingStore store, TrainingQueue queue, JobEvents events)
    {
        if (store.FindJob(id) is not { } job) return NotFound(id);
        if (job.Job.Status is not (FineTuningStatus.Cancelled or FineTuningStatus.Failed))
            return JsonBody.Invalid("id", $"Only a cancelled or failed job can be resumed (this one is {job.Job.Status}).");
        if (queue.IsActive(id))
            return TypedResults.Problem(title: "The job is still stopping.", detail: "Its trainer is saving the checkpoint; try again in a few seconds.", statusCode: StatusCodes.Status409Conflict);
        if (!job.Job.Resumable) return JsonBody.Invalid("id", "The job kept no checkpoint to resume from; start a new job.");
        var queued = store.Update(id, j => j with { Job = j.Job with { Status = FineTuningStatus.Queued, Error = null, FinishedAt = null, Resumable = false } });
        events.Add(id, "Job queued again, to resume from its checkpoint.");
        queue.Enqueue(id);
        return TypedResults.Ok(queued.Job);
    }

    static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(title: "No such job.", detail: $"There is no fine-tuning job '{id}'.", statusCode: StatusCodes.Status404NotFound);
}
