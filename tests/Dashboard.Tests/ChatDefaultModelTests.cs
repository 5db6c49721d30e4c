using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Chat page with the repository's own character model, which has no chat template: the page says so,
/// and it fits a phone.</summary>
[Collection(BrowserCollection.Name)]
public class ChatDefaultModelTests(Browser browser)
{
    [Fact]
    public async Task The_page_notes_the_missing_chat_template_and_works_at_laptop_and_phone_width()
    {
        var model = Repository.DefaultModel;
        using var api = await new ModelApiProcess(model).ReadyAsync();
        using var dashboard = new DashboardProcess(api.Address);

        var chat = await ChatPage.OpenAsync(browser, dashboard.Address);
        await Expect(chat.ById("no-chat-template")).ToContainTextAsync("(custom-gpt) has no chat template");
        await chat.UseFixedSeedAsync(42);
        await chat.SetNumberAsync("max-tokens", 60);
        await chat.SayAsync("Who made the heaven and the earth?");
        await chat.SayAsync("And what did he say?");
        await Expect(chat.Replies).ToHaveCountAsync(2);
        Assert.True(await chat.SidewaysOverflowAsync() <= 0);
        await Screenshots.SaveAsync(chat.Page, "chat.png", toDocs: true);
        await chat.ById("theme-toggle").ClickAsync(); // the same conversation in dark mode
        await Expect(chat.Page.Locator("[data-theme]")).ToHaveAttributeAsync("data-theme", "dark");
        await Screenshots.SaveAsync(chat.Page, "chat-dark.png", toDocs: true);
        await chat.Page.Context.CloseAsync();

        var phone = await ChatPage.OpenAsync(browser, dashboard.Address, width: 390, height: 844);
        await Expect(phone.ById("no-chat-template")).ToBeVisibleAsync();
        await phone.SetNumberAsync("max-tokens", 30);
        await phone.SayAsync("In the beginning");
        await phone.SayAsync("a long word: " + new string('x', 100)); // must wrap, not widen the page

        var overflow = await phone.SidewaysOverflowAsync();
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px");
        var input = await phone.Input.BoundingBoxAsync();
        var settings = await phone.ById("sidebar").BoundingBoxAsync();
        var reply = await phone.LastReply.BoundingBoxAsync();
        Assert.NotNull(input);
        Assert.NotNull(settings);
        Assert.NotNull(reply);
        Assert.True(input.Y + input.Height <= 844 && input.Y >= 0, "the message box stays on screen");
        Assert.True(settings.Y >= reply.Y, "the settings come after the conversation on a phone");
        Assert.True(reply.X + reply.Width <= 390);
        await Screenshots.SaveAsync(phone.Page, "chat-phone.png", toDocs: false);
        await phone.Page.Context.CloseAsync();
    }
}
