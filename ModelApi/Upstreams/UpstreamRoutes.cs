using System.Text.Json;
using System.Text.Json.Nodes;
using CustomGpt.ModelApi.Apis;
using CustomGpt.ModelApi.Apis.OpenAi;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;

namespace CustomGpt.ModelApi.Upstreams;

/// <summary>
/// The dispatch points for upstream models: each route that resolved its "model" to an <see cref="UpstreamModel"/> (the
/// key may use it: checked before) calls one method here. The key's limits hold first (a reservation of the prompt, at
/// four characters a token, and max_tokens, else <see cref="ReservedOutputTokens"/>), then the request goes to the
/// model's deployments (<see cref="UpstreamForwarder"/>) and, when they all fail, to its fallbacks in turn
/// (<see cref="ModelFallbacks"/>): other upstream names or local models. The key is charged the usage
/// the answer reports (<see cref="UpstreamUsed"/>).
/// </summary>
public static class UpstreamRoutes
{
    /// <summary>What a request without max_tokens reserves for its answer against a key's tpm_limit / token_budget
    /// (settled to the real usage when it ends).</summary>
    public const int ReservedOutputTokens = 1024;

    /// <summary>POST /generate for an upstream model: a completions request upstream, our shapes back.</summary>
    public static Task<IResult> GenerateAsync(HttpContext http, UpstreamModel model, GenerateRequest request, bool stream)
    {
        var body = Sampling(request, request.MaxTokens ?? request.NumChars);
        body["prompt"] = request.Prompt ?? "";
        var shape = new OwnApiRelay.Shape(request.Seed ?? 0, request.NumChars, null, null);
        return AnswerAsync(http, model, body, request.MaxTokens ?? request.NumChars, upstream: (name, b) =>
            OwnApiRelay.ForwardAsync(http, Forwarder(http), name, UpstreamRoute.Completions, b, stream, shape),
            local: local => GenerateApi.LocalGenerateAsync(http, local, request, stream, Settings(http), Logger(http)));
    }

    /// <summary>POST /chat for an upstream model: a chat completions request upstream, our shapes back.
    /// <paramref name="messages"/>: the system prompt, the history, then the user's turn.</summary>
    public static Task<IResult> ChatAsync(HttpContext http, UpstreamModel model, ChatRequest request, IReadOnlyList<ChatTurn> messages, bool stream)
    {
        var body = Sampling(request, request.MaxTokens);
        body["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]);
        var shape = new OwnApiRelay.Shape(request.Seed ?? 0, null, request.ConversationHistory ?? [], request.UserPrompt);
        return AnswerAsync(http, model, body, request.MaxTokens, upstream: (name, b) =>
            OwnApiRelay.ForwardAsync(http, Forwarder(http), name, UpstreamRoute.ChatCompletions, b, stream, shape),
            local: local => ChatApi.LocalChatAsync(http, local, request, stream, Settings(http), Logger(http)));
    }

    /// <summary>POST /tokenize for an upstream model: its tokenizer is not here, so this says so (400 on "model").</summary>
    public static Task<IResult> TokenizeAsync(HttpContext http, UpstreamModel model, TokenizeRequest request) =>
        Task.FromResult(JsonBody.Invalid("model", $"'{model.Name}' is answered by an upstream; its tokenizer is not here to count with."));

    /// <summary>POST /v1/completions for an upstream model: the body as sent, forwarded.</summary>
    public static async Task<IResult> CompletionsAsync(HttpContext http, UpstreamModel model, CompletionRequest request, bool stream)
    {
        var body = await RawBodyAsync(http);
        return await AnswerAsync(http, model, body, request.MaxTokens,
            upstream: (name, b) => OpenAiRelay.ForwardAsync(http, Forwarder(http), name, UpstreamRoute.Completions, b),
            local: local => OpenAiApi.LocalCompletionsAsync(http, local, request, stream, Settings(http), Logger(http)));
    }

    /// <summary>POST /v1/chat/completions for an upstream model: the body as sent, forwarded.</summary>
    public static async Task<IResult> ChatCompletionsAsync(HttpContext http, UpstreamModel model, ChatCompletionRequest request, bool stream)
    {
        var body = await RawBodyAsync(http);
        return await AnswerAsync(http, model, body, request.MaxCompletionTokens ?? request.MaxTokens,
            upstream: (name, b) => OpenAiRelay.ForwardAsync(http, Forwarder(http), name, UpstreamRoute.ChatCompletions, b),
            local: local => OpenAiApi.LocalChatCompletionsAsync(http, local, request, stream, Settings(http), Logger(http)));
    }

    /// <summary>GET /health's entry for an upstream model: each deployment in rotation ("ok") or cooling down (until when).</summary>
    public static ModelHealth Health(IServiceProvider services, UpstreamModel model)
    {
        var pool = services.GetRequiredService<UpstreamPool>();
        return new(model.Name, ModelKinds.Upstream, pool.Status(model.Name), Deployments: pool.Health(model.Name));
    }

    /// <summary>Reserve, then the model's answer or its fallbacks'. A fallback name the key may not use, or that is
    /// neither an upstream nor a local model, is passed over.</summary>
    static async Task<IResult> AnswerAsync(HttpContext http, UpstreamModel model, JsonObject body, int? maxTokens,
        Func<string, JsonObject, Task<ModelAnswer>> upstream, Func<LocalModel, Task<IResult>> local)
    {
        if (TokenReservations.Applies(http))
        {
            var prompt = UpstreamUsage.Estimate(UpstreamUsage.PromptText(body), "").PromptTokens;
            if (await http.RequestServices.GetRequiredService<TokenReservations>().ReserveAsync(http, model, prompt, maxTokens ?? ReservedOutputTokens) is { } refused)
                return refused;
        }
        var forwarder = Forwarder(http);
        var catalog = http.RequestServices.GetRequiredService<ModelCatalog>();
        ModelAnswer? failed = null;
        var answer = await http.RequestServices.GetRequiredService<ModelFallbacks>().AnswerAsync(model.Name, async (name, _) =>
        {
            var tried = name == model.Name || (ModelAccess.Allows(http, name) && forwarder.Pool.Serves(name))
                ? await upstream(name, (JsonObject)body.DeepClone())
                : ModelAccess.Allows(http, name) && catalog.Find(name) is LocalModel l
                    ? Local(await LocalAsync(http, l, local))
                    : failed!; // not usable here: the failure so far stands, and the next fallback is tried
            if (tried.FallsBack) failed = tried;
            else if (name != model.Name && catalog.Find(name) is { } fallback) RequestUsage.Of(http)?.ForModel(fallback); // the log and usage name who answered
            return tried;
        }, http.RequestAborted);
        return answer.Result;
    }

    /// <summary>A local fallback reserves for itself (GenerationStart), at its own costs: the upstream's hold is given back first.</summary>
    static async Task<IResult> LocalAsync(HttpContext http, LocalModel model, Func<LocalModel, Task<IResult>> local)
    {
        await http.RequestServices.GetRequiredService<TokenReservations>().ReleaseAsync(http);
        return await local(model);
    }

    /// <summary>A local model's answer; its 5xx (busy, loading, failed) lets the next fallback try.</summary>
    static ModelAnswer Local(IResult result) => new(result, result is IStatusCodeHttpResult { StatusCode: >= 500 });

    /// <summary>The /v1 body as the caller sent it (buffered by the route), so fields this API does not know go on too.</summary>
    static async Task<JsonObject> RawBodyAsync(HttpContext http)
    {
        http.Request.Body.Position = 0;
        return (JsonObject)(await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))!;
    }

    /// <summary>The sampling fields an OpenAI request has (top_k, min_p, repeat_penalty have no OpenAI field and stay here).</summary>
    static JsonObject Sampling(SamplingRequest r, int? maxTokens)
    {
        var body = new JsonObject();
        if (maxTokens is { } m) body["max_tokens"] = m;
        if (r.Temperature is { } t) body["temperature"] = t;
        if (r.TopP is { } p) body["top_p"] = p;
        if (r.Seed is { } s) body["seed"] = s;
        if (r.Stop is { Count: > 0 } stop) body["stop"] = JsonSerializer.SerializeToNode(stop);
        return body;
    }

    static UpstreamForwarder Forwarder(HttpContext http) => http.RequestServices.GetRequiredService<UpstreamForwarder>();

    static ModelApiSettings Settings(HttpContext http) => http.RequestServices.GetRequiredService<ModelApiSettings>();

    static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILogger<GenerationStart>>();
}
