using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;
using CustomGpt.ModelApi.Generation;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Upstreams;

namespace CustomGpt.ModelApi.Apis;

/// <summary>
/// POST /chat: one turn of a conversation, rendered with the model's chat template (or the plain
/// transcript), generated like /generate and answered with the history to send back next turn.
/// </summary>
public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/chat", Chat)
            .Generating<ChatRequest, ChatResponse>()
            .WithName("Chat")
            .WithSummary("Answers the next user turn of a conversation; with \"stream\": true as Server-Sent Events.");
        return app;
    }

    static async Task<IResult> Chat(HttpContext http, ModelCatalog catalog, ModelApiSettings settings, ILogger<GenerationStart> logger)
    {
        var (r, error) = await JsonBody.ReadAsync<ChatRequest>(http.Request);
        if (error is not null) return error;
        if (string.IsNullOrEmpty(r!.UserPrompt)) return JsonBody.Invalid(RequestFields.UserPrompt, "'user_prompt' is required: the user's next message.");
        var history = r.ConversationHistory ?? [];
        if (ChatMessages.Check(RequestFields.ConversationHistory, [.. history.Select(t => (t?.Role, t?.Content))]) is { } invalid) return invalid;

        var (served, refused) = ModelRouting.Resolve(http, catalog, r.Model);
        if (served is null) return refused!;

        var stream = r.Stream ?? GenerationStart.WantsEventStream(http.Request);
        var messages = Messages(r, history, settings.DefaultSystemPrompt);
        if (served is UpstreamModel upstream)
            return await UpstreamRoutes.ChatAsync(http, upstream, r, [.. messages.Select(m => new ChatTurn(m.Role, m.Content))], stream);
        var (job, problem) = await GenerationStart.StartAsync(http, (LocalModel)served, settings, logger, stream, model =>
        {
            var chat = ChatTemplate.Format(model, messages);
            var sampling = new GenerateRequest(r) { Stop = chat.Plain ? [.. r.Stop ?? [], ChatTemplate.PlainStop] : r.Stop };
            return new PlanInput(sampling, chat, RequestFields.ConversationHistory);
        });
        if (job is null) return problem!;

        IReadOnlyList<ChatTurn> After(string reply) => [.. history, new ChatTurn("user", r.UserPrompt), new ChatTurn("assistant", reply)];
        if (stream)
        {
            return new EventStream(job,
                delta: text => new("delta", new GenerateDelta(text)),
                done: d => [new("done", new ChatDone(d.Seed, d.FinishReason, d.Usage, d.Timings, d.Text, After(d.Text)))],
                error: GenerateApi.ErrorEvent);
        }
        return await GenerationStart.RespondAsync(job, http,
            d => TypedResults.Ok(new ChatResponse(d.Text, After(d.Text), d.FinishReason, d.Usage, d.Timings, d.Seed)));
    }

    /// <summary>The system prompt (the request's, else the server's default) unless the history brings its own, the history, then the user's turn.</summary>
    static ChatMessage[] Messages(ChatRequest r, IReadOnlyList<ChatTurn> history, string? defaultSystemPrompt)
    {
        var system = r.SystemPrompt ?? defaultSystemPrompt;
        var turns = history.Select(t => new ChatMessage(t.Role!, t.Content!));
        if (!string.IsNullOrEmpty(system) && history is not [{ Role: "system" }, ..]) turns = turns.Prepend(new ChatMessage("system", system));
        return [.. turns, new ChatMessage("user", r.UserPrompt!)];
    }
}
