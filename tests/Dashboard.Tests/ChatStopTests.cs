using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>Stop on the Chat page, with the long-context model (no chat template): greedy sampling at
/// temperature 0 never ends its turn there, so the reply runs until it is stopped.</summary>
[Collection(BrowserCollection.Name)]
public class ChatStopTests(Browser browser, Stack stack) : IClassFixture<Stack>
{
    [Fact]
    public async Task Stop_during_a_long_reply_stops_it_on_the_server_and_Send_comes_back()
    {
        await stack.Api.IdleAsync();
        var cancelledBefore = await stack.Api.RequestsAsync("cancelled");
        var chat = await ChatPage.OpenAsync(browser, stack.Dashboard.Address);
        await Expect(chat.ById("no-chat-template")).ToContainTextAsync("has no chat template");
        await chat.SetNumberAsync("temperature", 0);
        await chat.SetNumberAsync("max-tokens", 8000);

        await chat.Input.FillAsync("Tell me a long story");
        await chat.Input.PressAsync("Enter");
        await Expect(chat.Stop).ToBeVisibleAsync();
        await Expect(chat.LastReply).ToHaveAttributeAsync("data-outcome", "answering");
        await Expect(chat.LastReply.GetByTestId("reply-text")).Not.ToBeEmptyAsync(); // the reply is streaming in
        await chat.Stop.ClickAsync();

        await Expect(chat.LastReply).ToHaveAttributeAsync("data-outcome", "stopped");
        await Expect(chat.Send).ToBeVisibleAsync();
        await Expect(chat.Stop).ToHaveCountAsync(0);
        Assert.Equal("stopped", await ChatPage.StatAsync(chat.LastReply, "finish"));
        for (var i = 0; i < 600 && await stack.Api.RequestsAsync("cancelled") == cancelledBefore; i++) await Task.Delay(50);
        Assert.Equal(cancelledBefore + 1, await stack.Api.RequestsAsync("cancelled"));

        // What came before Stop stays in the conversation (and goes with the next turn).
        var stored = await chat.StoredTurnsAsync();
        Assert.Equal(2, stored.Count);
        Assert.NotEqual("", stored[1].Text);
        await chat.Page.Context.CloseAsync();
    }
}
