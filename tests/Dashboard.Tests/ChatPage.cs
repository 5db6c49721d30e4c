using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Chat page as a user drives it: by its controls' test ids.</summary>
public sealed class ChatPage(IPage page) : DashboardPage(page)
{
    public ILocator Input => ById("chat-input");
    public ILocator Send => ById("send");
    public ILocator Stop => ById("stop");
    public ILocator Replies => ById("reply");
    public ILocator UserMessages => ById("user-message");
    public ILocator LastReply => Replies.Last;

    /// <summary>Opens /chat in a fresh context and waits until the page is live and has read the session's conversation.</summary>
    public static async Task<ChatPage> OpenAsync(Browser browser, Uri dashboard, int width = 1280, int height = 900)
    {
        var page = new ChatPage(await browser.OpenAsync(new Uri(dashboard, "chat"), width, height));
        await page.LoadedAsync();
        return page;
    }

    public Task LoadedAsync() => Page.Locator("[data-testid=page][data-interactive=true][data-loaded=true]").WaitForAsync();

    public async Task ReloadAsync()
    {
        await Page.ReloadAsync();
        await LoadedAsync();
    }

    /// <summary>Types a message, sends it with Enter, and waits until its reply has ended (and is kept: a failed turn is removed).</summary>
    public async Task SayAsync(string text)
    {
        var replies = await Replies.CountAsync();
        await Input.FillAsync(text);
        await Input.PressAsync("Enter");
        await Expect(Input).ToHaveValueAsync(""); // taken
        // The new reply first: before it is there, "the last reply is not answering" holds of the one before it.
        await Expect(Replies).ToHaveCountAsync(replies + 1);
        await Expect(LastReply).Not.ToHaveAttributeAsync("data-outcome", "answering");
        await Expect(Send).ToBeVisibleAsync();
        await Expect(ById("chat-error")).ToHaveCountAsync(0);
    }

    /// <summary>A figure under a reply, e.g. "prompt-cached".</summary>
    public static async Task<string> StatAsync(ILocator reply, string name) =>
        (await reply.GetByTestId("stat-" + name).TextContentAsync() ?? "").Trim();

    public static async Task<int> NumberAsync(ILocator reply, string name) =>
        int.Parse(await StatAsync(reply, name), CultureInfo.InvariantCulture);

    /// <summary>The conversation as this tab's sessionStorage holds it (role and text of each turn).</summary>
    public async Task<List<(string Role, string Text)>> StoredTurnsAsync()
    {
        var json = await Page.EvaluateAsync<string?>("() => sessionStorage.getItem('customGpt.chat')");
        if (json is null) return [];
        using var stored = JsonDocument.Parse(json);
        return [.. stored.RootElement.GetProperty("turns").EnumerateArray()
            .Select(t => (t.GetProperty("role").GetString()!, t.GetProperty("text").GetString()!))];
    }

    /// <summary>Pixels the page scrolls sideways (0 or less: none).</summary>
    public Task<int> SidewaysOverflowAsync() =>
        Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
}
