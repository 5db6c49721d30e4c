using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Chat page against a model with a chat template: turns, the prompt cache, Copy, reload, Clear, errors.</summary>
[Collection(BrowserCollection.Name)]
public class ChatPageTests(Browser browser, ChatStack stack) : IClassFixture<ChatStack>
{
    [Fact]
    public async Task Two_turns_stream_in_and_the_second_decodes_only_what_the_prompt_cache_does_not_hold()
    {
        var chat = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        await Expect(chat.ById("nav-chat")).ToHaveAttributeAsync("aria-current", "page");
        await chat.UseFixedSeedAsync(5);
        await chat.SetNumberAsync("max-tokens", 24);

        await chat.SayAsync("the quick brown fox jumps over a lazy dog. the quick brown fox jumps over a lazy dog."); // Enter sends
        var first = chat.LastReply;
        var firstPrompt = await ChatPage.NumberAsync(first, "prompt-decoded") + await ChatPage.NumberAsync(first, "prompt-cached");
        Assert.InRange(await ChatPage.NumberAsync(first, "tokens"), 1, 24);
        Assert.Equal("5", await ChatPage.StatAsync(first, "seed"));

        // Shift+Enter is a new line in the box; the Send button sends.
        await chat.Input.FillAsync("a lazy");
        await chat.Input.PressAsync("Shift+Enter");
        await chat.Input.PressSequentiallyAsync("dog");
        await Expect(chat.Input).ToHaveValueAsync("a lazy\ndog");
        var replies = await chat.Replies.CountAsync();
        await chat.Send.ClickAsync();
        await Expect(chat.Replies).ToHaveCountAsync(replies + 1);
        await Expect(chat.Send).ToBeVisibleAsync();
        var second = chat.LastReply;
        await Expect(second.GetByTestId("stat-prompt-cached")).ToBeVisibleAsync();

        await Expect(chat.UserMessages).ToHaveCountAsync(2);
        Assert.Equal("a lazy\ndog", await chat.UserMessages.Last.TextContentAsync());
        await Expect(chat.Input).ToHaveValueAsync("");
        // Without the cache the model would decode the whole prompt again; the API reports that it decoded only
        // the part after the first turn's prompt (the first reply and the new message).
        var cached = await ChatPage.NumberAsync(second, "prompt-cached");
        var decoded = await ChatPage.NumberAsync(second, "prompt-decoded");
        Assert.True(cached >= firstPrompt, $"second turn: {cached} prompt tokens cached (of {cached + decoded}), the first turn's prompt had {firstPrompt}");
        Assert.InRange(decoded, 1, cached + decoded - firstPrompt);
        Assert.True(double.Parse(await ChatPage.StatAsync(second, "speed"), System.Globalization.CultureInfo.InvariantCulture) > 0);

        // Copy puts the reply's own text on the clipboard (what the conversation holds, before Markdown).
        var turns = await chat.StoredTurnsAsync();
        Assert.Equal(["user", "assistant", "user", "assistant"], turns.Select(t => t.Role));
        await second.GetByTestId("copy-reply").ClickAsync();
        await Expect(chat.Notice("Copied.")).ToBeVisibleAsync();
        Assert.Equal(turns[3].Text, await chat.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await chat.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_reload_keeps_the_conversation_and_settings_and_Clear_empties_it()
    {
        var chat = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        await Expect(chat.ById("empty-conversation")).ToBeVisibleAsync();
        await chat.ById("system-prompt").FillAsync("be brief");
        await chat.SetNumberAsync("max-tokens", 16);
        await chat.SayAsync("hello there");
        await chat.SayAsync("THE END");
        var tokens = await ChatPage.StatAsync(chat.LastReply, "tokens");
        var text = await chat.LastReply.GetByTestId("reply-text").TextContentAsync();

        await chat.ReloadAsync();

        await Expect(chat.UserMessages).ToHaveCountAsync(2);
        await Expect(chat.Replies).ToHaveCountAsync(2);
        await Expect(chat.LastReply.GetByTestId("reply-text")).ToHaveTextAsync(text ?? "");
        Assert.Equal(tokens, await ChatPage.StatAsync(chat.LastReply, "tokens"));
        await Expect(chat.ById("system-prompt")).ToHaveValueAsync("be brief");
        await Expect(chat.ById("max-tokens")).ToHaveValueAsync("16");

        await chat.ById("clear").ClickAsync();
        await Expect(chat.Replies).ToHaveCountAsync(0);
        await Expect(chat.UserMessages).ToHaveCountAsync(0);
        await Expect(chat.ById("empty-conversation")).ToBeVisibleAsync();
        await chat.ReloadAsync();
        await Expect(chat.ById("empty-conversation")).ToBeVisibleAsync();
        await Expect(chat.Replies).ToHaveCountAsync(0);

        // Another tab (here: another browser context) has its own conversation.
        var other = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        await Expect(other.ById("empty-conversation")).ToBeVisibleAsync();
        await other.Page.Context.CloseAsync();
        await chat.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_setting_the_api_rejects_is_explained_at_its_control_and_the_message_stays_in_the_box()
    {
        var chat = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        await chat.SetNumberAsync("max-tokens", 16000); // more than the server's MAX_CHARS (8192): only the API knows that

        await chat.Input.FillAsync("the fox");
        await chat.Input.PressAsync("Enter");

        await Expect(chat.ById("error-max_tokens")).ToContainTextAsync("8192");
        await Expect(chat.ById("chat-error")).ToContainTextAsync("'max_tokens'"); // also by the box (on a phone the settings are far below)
        await Expect(chat.Input).ToHaveValueAsync("the fox");
        await Expect(chat.Replies).ToHaveCountAsync(0);
        await Expect(chat.UserMessages).ToHaveCountAsync(0);
        await Expect(chat.ById("no-chat-template")).ToHaveCountAsync(0); // this model has one
        await chat.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_reply_renders_its_Markdown_and_no_html_or_script_of_the_model_reaches_the_page()
    {
        var chat = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        // A reply as a model could write it, kept in the session as the page keeps replies.
        const string reply = "**bold** and `code`\n\n<img src=x onerror=\"window.hacked=1\"> <script>window.hacked=2</script>\n\n" +
                             "[safe](https://example.com/) [unsafe](javascript:window.hacked=3)";
        await chat.Page.EvaluateAsync("""
            reply => sessionStorage.setItem('customGpt.chat', JSON.stringify({ owner: '', turns: [
              { role: 'user', text: '<b>not bold</b>' }, { role: 'assistant', text: reply }] }))
            """, reply);
        await chat.ReloadAsync();

        var text = chat.LastReply.GetByTestId("reply-text");
        await Expect(text.Locator("strong")).ToHaveTextAsync("bold");
        await Expect(text.Locator("code")).ToHaveTextAsync("code");
        await Expect(text).ToContainTextAsync("<img src=x onerror=\"window.hacked=1\">");
        await Expect(text).ToContainTextAsync("<script>window.hacked=2</script>");
        await Expect(text.Locator("img, script")).ToHaveCountAsync(0);
        await Expect(text.Locator("a")).ToHaveCountAsync(1);
        await Expect(text.Locator("a")).ToHaveAttributeAsync("href", "https://example.com/");
        await Expect(chat.UserMessages.Last).ToHaveTextAsync("<b>not bold</b>"); // the user's words are shown as typed
        Assert.Null(await chat.Page.EvaluateAsync<int?>("() => window.hacked ?? null"));
        await chat.Page.Context.CloseAsync();
    }
}
