using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// What one HTTP request used, gathered while it runs: the generation it started, the tokens it reserved before
/// starting, tokens /tokenize counted, and the problem code when the gateway turned it away. Who called is
/// <see cref="Caller"/> (fixed at authentication). Read at the end by the usage settlement, the access log and /metrics.
/// </summary>
public sealed class RequestUsage(string requestId)
{
    GenerationJob? job;
    (int Prompt, int Completion, string? FinishReason)? reported;
    Reservation? reservation;
    int tokenized;
    string? rejection;

    public string RequestId { get; } = requestId;
    /// <summary>The served model the request was routed to (its "model", or the default); null before routing.</summary>
    public string? Model { get; private set; }
    public GenerationJob? Job => job;
    public Reservation? Reservation => reservation;
    /// <summary>Tokens /tokenize made: counted against the key's tpm_limit, not its budget.</summary>
    public int TokenizedTokens => tokenized;
    /// <summary>The problem code when the gateway turned the request away ("rate_limited", "key_unknown", ...).</summary>
    public string? Rejection => rejection;

    public static RequestUsage? Of(HttpContext http) => http.Features.Get<RequestUsage>();

    public void Track(GenerationJob started) => job = started;

    /// <summary>The model the request was routed to: its name for the access log and usage, its costs for spend.</summary>
    public void ForModel(ServedModel model)
    {
        Model = model.Name;
        Costs = model.Costs;
    }

    /// <summary>The upstream deployment that answered (its <see cref="UpstreamDeployment.Id"/>, never its key), for the access log and /metrics.</summary>
    public string? Deployment { get; private set; }

    /// <summary>Names the deployment that answers (call it again when a retry moves to another).</summary>
    public void Through(UpstreamDeployment deployment) => Deployment = deployment.Id;

    /// <summary>What a token costs for this request: the routed model's (model_info), or what <see cref="Used"/> said.</summary>
    public ModelCosts Costs { get; private set; } = ModelCosts.Free;

    /// <summary>
    /// Usage of work done outside this process's scheduler (an upstream's answer): the key is charged these tokens at
    /// <paramref name="costs"/> (the deployment that answered) when the request ends, and the access log shows them.
    /// Call it once the usage is known (again to correct it); a request that never calls it is charged nothing.
    /// </summary>
    public void Used(int promptTokens, int completionTokens, string? finishReason, ModelCosts costs)
    {
        reported = (promptTokens, completionTokens, finishReason);
        Costs = costs;
    }

    public void Hold(Reservation held) => reservation = held;

    /// <summary>Forgets the reservation once it was given back (<see cref="TokenReservations.ReleaseAsync"/>).</summary>
    public void Released() => reservation = null;

    public void Tokenized(int tokens) => tokenized += tokens;

    public void Rejected(string code) => rejection ??= code;

    /// <summary>
    /// The model whose usage this request counts as (key_model_usage): none when the key was refused the model it named
    /// (403 model_not_allowed) or no model has that name; the access log still shows the name asked for.
    /// </summary>
    public string? UsedModel => rejection is Contracts.ProblemCodes.ModelNotAllowed or Contracts.ProblemCodes.ModelNotFound ? null : Model;

    /// <summary>Tokens used so far: the result's when the generation finished, else what it had done when it stopped.</summary>
    public (int Prompt, int Completion, string? FinishReason, double TokensPerSecond) Usage()
    {
        if (job is null) return reported is { } r ? (r.Prompt, r.Completion, r.FinishReason, 0) : (0, 0, null, 0);
        if (job.Completion.IsCompletedSuccessfully)
        {
            var r = job.Completion.Result;
            return (r.Usage.PromptTokens, r.Usage.CompletionTokens, r.FinishReason, r.Timings.TokensPerSecond);
        }
        return (job.Plan.PromptTokens.Length, job.CompletionTokens, job.Completion.IsCanceled ? "cancelled" : "error", 0);
    }
}
