using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Apis;

/// <summary>What every generating route does for a local model (resolved and allowed by <see cref="ModelRouting"/>)
/// before it formats a response: check the model is ready, plan the request (400 per field), reserve what it may use against the key's
/// limits (429 when that does not fit), and queue it (503 with Retry-After when full).
/// Not static only so that the routes log under its name (ILogger&lt;GenerationStart&gt;).</summary>
sealed class GenerationStart
{
    GenerationStart() { }

    public static async Task<(GenerationJob? Job, IResult? Error)> StartAsync(
        HttpContext http, LocalModel local, ModelApiSettings settings, ILogger logger, bool stream, Func<LlamaModel, PlanInput> request)
    {
        var host = local.Host;
        var status = host.Status;
        if (status is not { State: HealthStatus.Ok, Model: { } model, Scheduler: { } scheduler }) return (null, ModelUnavailable.For(status, http));
        if (host.ShuttingDown) return (null, ModelUnavailable.ShuttingDown(http));

        var input = request(model);
        var (plan, errors) = GenerationPlanner.Plan(input, model, new PlanLimits(scheduler.ContextSize, settings.MaxChars, scheduler.CanShift));
        if (plan is null) return (null, TypedResults.ValidationProblem(errors, title: "The request is not valid."));
        if (settings.LogPrompts) logger.LogInformation("Prompt: {Prompt}", input.Chat is { } chat ? string.Concat(chat.Parts.Select(p => p.Text)) : input.Request.Prompt);

        if (TokenReservations.Applies(http))
        {
            // The most this request may use: its prompt and the most it may generate. A num_chars request is held to
            // num_chars tokens (a token is at least one character for most text), so it never uses more than it reserved.
            var output = plan.NumChars ?? plan.MaxTokens;
            if (await http.RequestServices.GetRequiredService<TokenReservations>().ReserveAsync(http, local, plan.PromptTokens.Length, output) is { } refused)
                return (null, refused);
            plan = plan with { MaxTokens = Math.Min(plan.MaxTokens, output) };
        }

        var job = new GenerationJob(plan, streamDeltas: stream, http.RequestAborted);
        if (scheduler.TryEnqueue(job))
        {
            // The one place usage is taken from: the caller's key is charged what this job used.
            RequestUsage.Of(http)?.Track(job);
            return (job, null);
        }
        if (host.ShuttingDown) return (null, ModelUnavailable.ShuttingDown(http));
        if (!scheduler.IsRunning) return (null, ModelUnavailable.For(host.Status, http));
        return (null, ModelUnavailable.Busy(http, scheduler.Parallel));
    }

    /// <summary>Waits for the whole text. A generation that could not run (shutdown, a stopped
    /// scheduler) is answered with its 503 problem, never a 500 or a reset connection.</summary>
    public static async Task<IResult> RespondAsync(GenerationJob job, HttpContext http, Func<GenerationResult, IResult> ok)
    {
        try
        {
            return ok(await job.Completion);
        }
        catch (GenerationUnavailableException e)
        {
            return ModelUnavailable.From(e, http);
        }
    }

    public static bool WantsEventStream(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
}
