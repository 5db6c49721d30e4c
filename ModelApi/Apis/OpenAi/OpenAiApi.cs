using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Gateway;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Upstreams;

namespace CustomGpt.ModelApi.Apis.OpenAi;

/// <summary>
/// An OpenAI-compatible surface under /v1 (models, completions, chat completions, streaming), so
/// OpenAI SDKs and tools can call ModelApi. Same scheduler, limits and errors as /generate.
/// </summary>
public static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("OpenAI-compatible")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        v1.MapGet("/models", Models).WithName("ListModels").WithSummary("The models the calling key may use.");
        v1.MapPost("/completions", Completions).WithJsonBody<CompletionRequest>().Produces<CompletionResponse>()
            .ProducesValidationProblem().WithName("CreateCompletion").WithSummary("OpenAI-style text completion.");
        v1.MapPost("/chat/completions", ChatCompletions).WithJsonBody<ChatCompletionRequest>().Produces<ChatCompletionResponse>()
            .ProducesValidationProblem().WithName("CreateChatCompletion").WithSummary("OpenAI-style chat completion.");
        return app;
    }

    static IResult Models(ModelCatalog catalog, HttpContext http)
    {
        if (!catalog.Configured)
        {
            // One model, as before: its name is known once it has loaded.
            var status = ((LocalModel)catalog.Default).Host.Status;
            if (status.Info is null) return ModelUnavailable.For(status, http);
        }
        // As LiteLLM: only what the key may use (a key limited to other models sees none).
        var created = Created();
        return TypedResults.Ok(new ModelList("list",
            [.. catalog.Models.Where(m => ModelAccess.Allows(http, m.Name)).Select(m => new ModelEntry(m.Name, "model", created, m.OwnedBy))]));
    }

    static async Task<IResult> Completions(HttpContext http, ModelCatalog catalog, ModelApiSettings settings, ILogger<GenerationStart> logger)
    {
        http.Request.EnableBuffering(); // an upstream may forward the body as sent
        var (r, error) = await JsonBody.ReadAsync<CompletionRequest>(http.Request);
        if (error is not null) return error;
        if (OnlyOneChoice(r!) is { } tooMany) return tooMany;
        if (r!.Prompt is { Count: > 1 }) return JsonBody.Invalid("prompt", "'prompt' must be one string.");
        var (served, refused) = ModelRouting.Resolve(http, catalog, r.Model);
        if (served is null) return refused!;
        var stream = r.Stream ?? false;
        if (served is UpstreamModel upstream) return await UpstreamRoutes.CompletionsAsync(http, upstream, r, stream);
        var local = (LocalModel)served;
        var (job, problem) = await GenerationStart.StartAsync(http, local, settings, logger, stream,
            _ => r.ToGenerateRequest(r.Prompt is { Count: > 0 } p ? p[0] : null, r.MaxTokens, r.Stop));
        if (job is null) return problem!;

        var (id, created, model) = ($"cmpl-{Guid.NewGuid():N}", Created(), local.Name);
        if (stream)
        {
            return new EventStream(job,
                delta: text => new(null, new CompletionResponse(id, "text_completion", created, model, [new CompletionChoice(0, text, null)], null)),
                done: result => Closing(new CompletionResponse(id, "text_completion", created, model, [new CompletionChoice(0, "", FinishReason(result))], null),
                    r.StreamOptions?.IncludeUsage == true ? new CompletionResponse(id, "text_completion", created, model, [], Usage(result)) : null),
                error: ErrorEvent);
        }
        return await GenerationStart.RespondAsync(job, http, done =>
            TypedResults.Ok(new CompletionResponse(id, "text_completion", created, model, [new CompletionChoice(0, done.Text, FinishReason(done))], Usage(done))));
    }

    static async Task<IResult> ChatCompletions(HttpContext http, ModelCatalog catalog, ModelApiSettings settings, ILogger<GenerationStart> logger)
    {
        http.Request.EnableBuffering(); // an upstream may forward the body as sent
        var (r, error) = await JsonBody.ReadAsync<ChatCompletionRequest>(http.Request);
        if (error is not null) return error;
        if (r!.Messages is not { Count: > 0 } messages) return JsonBody.Invalid("messages", "'messages' must hold at least one message.");
        if (ChatMessages.Check("messages", [.. messages.Select(m => (m?.Role, m?.Content))]) is { } invalid) return invalid;
        if (OnlyOneChoice(r) is { } tooMany) return tooMany;
        var (served, refused) = ModelRouting.Resolve(http, catalog, r.Model);
        if (served is null) return refused!;
        var stream = r.Stream ?? false;
        if (served is UpstreamModel upstream) return await UpstreamRoutes.ChatCompletionsAsync(http, upstream, r, stream);
        var local = (LocalModel)served;
        var (job, problem) = await GenerationStart.StartAsync(http, local, settings, logger, stream, model =>
        {
            var chat = ChatTemplate.Format(model, [.. messages.Select(m => new ChatMessage(m.Role!, m.Content!))]);
            return new PlanInput(r.ToGenerateRequest(null, r.MaxCompletionTokens ?? r.MaxTokens, chat.Plain ? [.. r.Stop ?? [], ChatTemplate.PlainStop] : r.Stop), chat);
        });
        if (job is null) return problem!;

        var (id, created, model) = ($"chatcmpl-{Guid.NewGuid():N}", Created(), local.Name);
        ChatCompletionChunk Chunk(ChatDelta delta, string? finish, OpenAiUsage? usage = null) =>
            new(id, "chat.completion.chunk", created, model, usage is null ? [new ChatChunkChoice(0, delta, finish)] : [], usage);
        if (stream)
        {
            var first = true;
            return new EventStream(job,
                delta: text =>
                {
                    var role = first ? "assistant" : null;
                    first = false;
                    return new(null, Chunk(new ChatDelta(role, text), null));
                },
                done: result => Closing(Chunk(new ChatDelta(null, null), FinishReason(result)),
                    r.StreamOptions?.IncludeUsage == true ? Chunk(new ChatDelta(null, null), null, Usage(result)) : null),
                error: ErrorEvent);
        }
        return await GenerationStart.RespondAsync(job, http, done => TypedResults.Ok(new ChatCompletionResponse(id, "chat.completion", created, model,
            [new ChatChoice(0, new ChatMessageBody("assistant", done.Text), FinishReason(done))], Usage(done))));
    }

    static IResult? OnlyOneChoice(OpenAiRequest r) =>
        r.N is null or 1 ? null : JsonBody.Invalid("n", "'n' must be 1: one completion per request.");

    /// <summary>OpenAI's error shape, for a failure after the stream has started.</summary>
    static ServerSentEvent ErrorEvent(Exception e) => new(null, new { error = new { message = e.Message, type = "server_error", code = (e as GenerationUnavailableException)?.Code } });

    /// <summary>The last chunk with the finish reason, the usage chunk when asked for, then OpenAI's end marker.</summary>
    static IEnumerable<ServerSentEvent> Closing(object last, object? usage)
    {
        yield return new(null, last);
        if (usage is not null) yield return new(null, usage);
        yield return new(null, "[DONE]");
    }

    // OpenAI has no "eos": the model stopping by itself is "stop" there.
    static string FinishReason(GenerationResult r) => r.FinishReason == FinishReasons.Length ? "length" : "stop";

    static OpenAiUsage Usage(GenerationResult r) =>
        new(r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Usage.PromptTokens + r.Usage.CompletionTokens, new PromptTokensDetails(r.Usage.CachedTokens));

    static long Created() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
