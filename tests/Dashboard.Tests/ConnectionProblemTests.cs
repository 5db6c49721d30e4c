using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public class ConnectionProblemTests(Browser browser)
{
    [Fact]
    public async Task A_wrong_key_shows_unauthorized_and_a_stopped_api_shows_unreachable()
    {
        using var api = await new ModelApiProcess(TestModels.Tiny, ("API_KEY", "the-right-key-of-16+")).ReadyAsync();
        using var dashboard = new DashboardProcess(api.Address, apiKey: "a-wrong-key");
        var page = new CustomGptPage(await browser.OpenAsync(dashboard.Address));

        await page.TestConnectionAsync("unauthorized");
        await Expect(page.ById("api-key")).ToHaveTextAsync("configured");
        await Expect(page.ConnectionStatus).ToContainTextAsync("The API key was not accepted");
        await Expect(page.ConnectionStatus).Not.ToContainTextAsync("a-wrong-key");
        await page.GenerateButton.ClickAsync();
        await Expect(page.ById("generate-error")).ToContainTextAsync("The API key was not accepted");

        api.Kill();

        await page.TestConnectionAsync("unreachable");
        await Expect(page.ConnectionStatus).ToContainTextAsync("connection refused");
        await page.GenerateButton.ClickAsync();
        await Expect(page.ById("generate-error")).ToContainTextAsync("Unreachable: connection refused");
        await page.Page.Context.CloseAsync();
    }
}
