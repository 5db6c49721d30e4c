using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Custom GPT page as a user drives it: by its controls' test ids.</summary>
public sealed class CustomGptPage(IPage page) : DashboardPage(page)
{
    public ILocator ConnectionStatus => ById("connection-status");
    public ILocator Output => ById("output");
    public ILocator Stats => ById("stats");
    public ILocator GenerateButton => ById("generate");
    public ILocator History => ById("history-item");

    /// <summary>Waits until what the page asks of the API as it opens is done (connection test, own usage): a key
    /// revoked after this is first used by the test's own next click.</summary>
    public async Task SettledAsync()
    {
        await Expect(ConnectionStatus).ToHaveAttributeAsync("data-state", "ready");
        await Expect(ById("my-tokens")).ToBeVisibleAsync();
    }

    public async Task TestConnectionAsync(string expectedState)
    {
        await ById("test-connection").ClickAsync();
        await Expect(ConnectionStatus).ToHaveAttributeAsync("data-state", expectedState);
    }

    /// <summary>Generate Text, then wait until the run is in the history (it has ended).</summary>
    public async Task<string> GenerateAsync()
    {
        var runs = await History.CountAsync();
        await Expect(GenerateButton).ToContainTextAsync("Generate Text");
        await GenerateButton.ClickAsync();
        await Expect(History).ToHaveCountAsync(runs + 1);
        return await OutputTextAsync();
    }

    public async Task<string> OutputTextAsync() => await Output.TextContentAsync() ?? "";

    public async Task<string> StatAsync(string name) => (await ById("stat-" + name).TextContentAsync() ?? "").Trim();

    public static int CharCount(string s) => s.EnumerateRunes().Count();
}
