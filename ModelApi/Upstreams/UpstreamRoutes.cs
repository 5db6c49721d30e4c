using CustomGpt.ModelApi.Apis.OpenAi;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// THE DISPATCH POINTS for upstream models: each route that resolved its "model" to an <see cref="UpstreamModel"/>
/// (the key may use it: checked before) calls exactly one method here. The `upstreams` branch fills in the bodies
/// (forwarding, retries, fallbacks, usage); the signatures stay. Until then: 501.
/// On the /v1 routes the request body is buffered: http.Request.Body can be rewound (Position = 0) to forward fields
/// the typed request does not hold.
/// </summary>
public static class UpstreamRoutes
{
    const string NotWired = "upstream_not_wired";

    /// <summary>POST /generate for an upstream model (<paramref name="stream"/>: the caller wants our SSE events).</summary>
    public static Task<IResult> GenerateAsync(HttpContext http, UpstreamModel model, GenerateRequest request, bool stream) => NotYet(model);

    /// <summary>POST /chat for an upstream model. <paramref name="messages"/>: the system prompt (the request's or
    /// DEFAULT_SYSTEM_PROMPT, unless the history has one), the history, then the user's turn, as a local model gets them.</summary>
    public static Task<IResult> ChatAsync(HttpContext http, UpstreamModel model, ChatRequest request, IReadOnlyList<ChatTurn> messages, bool stream) => NotYet(model);

    /// <summary>POST /tokenize for an upstream model.</summary>
    public static Task<IResult> TokenizeAsync(HttpContext http, UpstreamModel model, TokenizeRequest request) => NotYet(model);

    /// <summary>POST /v1/completions for an upstream model (n and prompt already checked).</summary>
    public static Task<IResult> CompletionsAsync(HttpContext http, UpstreamModel model, CompletionRequest request, bool stream) => NotYet(model);

    /// <summary>POST /v1/chat/completions for an upstream model (messages and n already checked).</summary>
    public static Task<IResult> ChatCompletionsAsync(HttpContext http, UpstreamModel model, ChatCompletionRequest request, bool stream) => NotYet(model);

    /// <summary>GET /health's entry for an upstream model: its deployments and whether each is in rotation or cooling down.</summary>
    public static ModelHealth Health(IServiceProvider services, UpstreamModel model) =>
        new(model.Name, ModelKinds.Upstream, HealthStatus.Ok, Deployments: [.. model.Deployments.Select(d => new DeploymentHealth(d.Id, HealthStatus.Ok))]);

    static Task<IResult> NotYet(UpstreamModel model) => Task.FromResult<IResult>(CodedProblem.Of(StatusCodes.Status501NotImplemented, NotWired,
        "Not implemented", $"'{model.Name}' is an upstream model; upstream forwarding is not wired yet."));
}
