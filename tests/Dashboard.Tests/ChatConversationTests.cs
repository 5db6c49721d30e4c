using CustomGpt.Dashboard.Components.Chat;

namespace CustomGpt.Dashboard.Tests;

/// <summary>What the Chat page keeps for the session and sends as conversation_history.</summary>
public class ChatConversationTests
{
    static Conversation Sample() => new()
    {
        Owner = "dana",
        Settings = new ChatSettings { SystemPrompt = "be brief", RandomSeed = false, Seed = 7, Temperature = 0.3, MaxTokens = null },
        Turns =
        [
            new Turn { Role = Turn.User, Text = "hello" },
            new Turn { Role = Turn.Assistant, Text = "**hi**", Stats = new ReplyStats(10, 4, 3, 99.5, 12, FinishReasons.Eos, 7) },
            new Turn { Role = Turn.User, Text = "tell me more" },
            new Turn { Role = Turn.Assistant, Text = "once upon", Stopped = true },
        ],
    };

    [Fact]
    public void A_kept_conversation_comes_back_as_it_was()
    {
        var back = Conversation.FromJson(Sample().ToJson(), "dana");

        Assert.NotNull(back);
        Assert.Equal(["hello", "**hi**", "tell me more", "once upon"], back.Turns.Select(t => t.Text));
        Assert.Equal(new ReplyStats(10, 4, 3, 99.5, 12, FinishReasons.Eos, 7), back.Turns[1].Stats);
        Assert.Equal(6, back.Turns[1].Stats!.DecodedTokens);
        Assert.Equal("stopped", back.Turns[3].Outcome);
        Assert.Equal("be brief", back.Settings.SystemPrompt);
        Assert.False(back.Settings.RandomSeed);
        Assert.Null(back.Settings.MaxTokens);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    public void Nothing_or_a_damaged_copy_starts_afresh(string? json) => Assert.Null(Conversation.FromJson(json, "dana"));

    [Fact]
    public void Someone_elses_conversation_is_not_shown() => Assert.Null(Conversation.FromJson(Sample().ToJson(), "erin"));

    [Fact]
    public void A_stored_turn_with_a_role_the_page_does_not_make_is_dropped()
    {
        var json = Sample().ToJson().Replace("\"role\":\"user\"", "\"role\":\"system\"", StringComparison.Ordinal);

        var back = Conversation.FromJson(json, "dana");

        Assert.Equal([Turn.Assistant, Turn.Assistant], back!.Turns.Select(t => t.Role));
    }

    [Fact]
    public void The_history_sent_is_every_finished_turn_with_text_a_stopped_reply_as_far_as_it_came()
    {
        var conversation = Sample();
        conversation.Turns.Add(new Turn { Role = Turn.Assistant, Text = "still coming", Running = true });

        var request = conversation.Settings.ToRequest("and then?", conversation.History());

        Assert.Equal([new("user", "hello"), new("assistant", "**hi**"), new("user", "tell me more"), new ChatTurn("assistant", "once upon")],
            request.ConversationHistory!);
        Assert.Equal("and then?", request.UserPrompt);
        Assert.Equal("be brief", request.SystemPrompt);
        Assert.Equal(7, request.Seed);
        Assert.Null(request.MaxTokens);
        Assert.Null(new ChatSettings().ToRequest("x", []).Seed); // random: the API picks one
        Assert.Null(new ChatSettings { SystemPrompt = "  " }.ToRequest("x", []).SystemPrompt); // empty: the server's default
    }
}
