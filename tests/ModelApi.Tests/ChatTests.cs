using System.Net;
using System.Net.Http.Json;

namespace CustomGpt.ModelApi.Tests;

/// <summary>POST /chat on a model with a ChatML template and on one without (the plain transcript).</summary>
public class ChatTests
{
    internal static async Task<ChatResponse> ChatAsync(HttpClient http, object request)
    {
        using var response = await http.PostAsync("/chat", JsonContent.Create(request, options: ModelApiJson.Options));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return Api.Parse<ChatResponse>(body);
    }

    static readonly ChatTurn[] History = [new("user", "a"), new("assistant", "b")];

    [Fact]
    public async Task A_turn_uses_the_template_markers_as_tokens_and_returns_the_history_to_send_back()
    {
        using var server = await new ApiServer(TestModels.Chat, settings: ("DEFAULT_SYSTEM_PROMPT", "be brief")).ReadyAsync();
        var health = await server.Http.GetFromJsonAsync<HealthResponse>("/health", ModelApiJson.Options);
        Assert.True(health!.Model!.HasChatTemplate);

        var explicitSystem = await ChatAsync(server.Http, new ChatRequest { UserPrompt = "the fox", ConversationHistory = History, SystemPrompt = "be brief", Seed = 5, MaxTokens = 12 });
        // One token per character, one per marker: <|im_start|>role\ncontent<|im_end|>\n for 4 messages, then <|im_start|>assistant\n.
        Assert.Equal(18 + 9 + 14 + 15 + 11, explicitSystem.Usage.PromptTokens);
        Assert.Equal(History.Append(new ChatTurn("user", "the fox")).Append(new ChatTurn("assistant", explicitSystem.Response)), explicitSystem.ConversationHistory);
        Assert.Equal(5, explicitSystem.Seed);

        var defaultSystem = await ChatAsync(server.Http, new ChatRequest { UserPrompt = "the fox", ConversationHistory = History, Seed = 5, MaxTokens = 12 });
        Assert.Equal(explicitSystem.Response, defaultSystem.Response);
        Assert.Equal(explicitSystem.Usage.PromptTokens, defaultSystem.Usage.PromptTokens);
    }

    [Fact]
    public async Task Replies_end_at_the_end_of_turn_token_and_never_show_the_markers()
    {
        using var server = await new ApiServer(TestModels.Chat).ReadyAsync();
        var reasons = new List<string>();
        for (var seed = 1; seed <= 8; seed++)
        {
            // Hot and unfiltered: every token, <|im_end|> too, is likely sooner or later.
            var r = await ChatAsync(server.Http, new { user_prompt = "the fox", seed, temperature = 5.0, top_k = 0, top_p = 1.0, min_p = 0.0 });
            Assert.DoesNotContain("<|im_", r.Response);
            reasons.Add(r.FinishReason);
        }
        Assert.Contains(FinishReasons.Eos, reasons);
    }

    [Fact]
    public async Task A_model_without_a_template_answers_in_the_plain_transcript_and_streams_the_same_text()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        var health = await server.Http.GetFromJsonAsync<HealthResponse>("/health", ModelApiJson.Options);
        Assert.False(health!.Model!.HasChatTemplate);

        var request = new ChatRequest { UserPrompt = "the fox", Seed = 9, MaxTokens = 30 };
        var reply = await ChatAsync(server.Http, request);
        Assert.Equal("user: the fox\nassistant:".Length, reply.Usage.PromptTokens);
        Assert.DoesNotContain("\nuser:", reply.Response);

        using var message = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(request, options: ModelApiJson.Options) };
        message.Headers.Accept.ParseAdd("text/event-stream");
        using var stream = await server.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        var text = "";
        ChatDone? done = null;
        await foreach (var (name, data) in stream.ReadEventsAsync())
        {
            if (name == "delta") text += Api.Parse<GenerateDelta>(data).Text;
            if (name == "done") done = Api.Parse<ChatDone>(data);
        }
        Assert.Equal(reply.Response, text);
        Assert.Equal(reply.Response, done!.Response);
        Assert.Equal(reply.ConversationHistory, done.ConversationHistory);
        Assert.Equal(reply.FinishReason, done.FinishReason);
    }
}
