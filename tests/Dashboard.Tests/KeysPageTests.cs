using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The operator signs in with the master key and hands out, watches, blocks and deletes keys.</summary>
[Collection(BrowserCollection.Name)]
public class KeysPageTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task A_created_key_is_shown_once_signs_in_and_generates_its_usage_appears_and_block_and_delete_take_effect()
    {
        var operatorPage = (await browser.SignInAsync(stack.Dashboard.Address, KeyStack.Master)).Page;
        await operatorPage.GetByTestId("keys-link").ClickAsync();
        await operatorPage.GetByTestId("new-key-alias").FillAsync("erin");
        await operatorPage.GetByTestId("create-key").ClickAsync();
        var secret = (await operatorPage.GetByTestId("new-key-secret").TextContentAsync())!.Trim();
        Assert.StartsWith("sk-", secret);
        await operatorPage.GetByTestId("copy-key").ClickAsync();
        // The copy runs after a round trip over the circuit: poll the clipboard (a hang guard, not a timing check).
        var copied = "";
        for (var i = 0; i < 200 && copied != secret; i++)
        {
            copied = await operatorPage.EvaluateAsync<string>("navigator.clipboard.readText()");
            if (copied != secret) await Task.Delay(50);
        }
        Assert.Equal(secret, copied);
        await operatorPage.GetByTestId("forget-key").ClickAsync();
        await Expect(operatorPage.GetByTestId("new-key-secret")).ToHaveCountAsync(0); // shown once

        var erin = await browser.SignInAsync(stack.Dashboard.Address, secret);
        await erin.GenerateAsync();
        await Expect(erin.ById("my-tokens")).Not.ToHaveTextAsync("0"); // her own usage, refreshed after the run
        var row = operatorPage.GetByTestId("keys-grid").Locator("tr", new() { HasText = "erin" });
        await operatorPage.GetByTestId("refresh-keys").ClickAsync();
        await Expect(row.GetByTestId("key-tokens")).Not.ToHaveTextAsync("0");
        await Expect(operatorPage.GetByTestId("tokens-chart")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(operatorPage, "keys.png", toDocs: false);

        await row.GetByTestId("block-key").ClickAsync();
        await Expect(row.GetByTestId("unblock-key")).ToBeVisibleAsync();
        await erin.GenerateButton.ClickAsync();
        await Expect(erin.Page.GetByTestId("signin-notice")).ToContainTextAsync("This key is blocked");
        await row.GetByTestId("unblock-key").ClickAsync();
        await SignInPage.SubmitAsync(erin.Page, secret);
        await Expect(erin.ById("signed-in-as")).ToContainTextAsync("erin");
        await erin.SettledAsync();

        // Limits: set two, then take one away by emptying its box; the grid shows what ModelApi now holds.
        var gpt = new CustomGptPage(operatorPage);
        await Expect(row.GetByTestId("key-limits")).ToHaveTextAsync("none");
        await row.GetByTestId("edit-limits-button").ClickAsync();
        await gpt.SetNumberAsync("edit-rpm", 5);
        await gpt.SetNumberAsync("edit-budget", 100000);
        await operatorPage.GetByTestId("save-limits").ClickAsync();
        await Expect(row.GetByTestId("key-limits")).ToHaveTextAsync("5 requests/min · 100,000 tokens in all");
        await row.GetByTestId("edit-limits-button").ClickAsync();
        await Expect(operatorPage.GetByTestId("edit-rpm")).ToHaveValueAsync("5");
        await operatorPage.GetByTestId("edit-rpm").FillAsync("");
        await operatorPage.GetByTestId("edit-rpm").PressAsync("Tab");
        await operatorPage.GetByTestId("save-limits").ClickAsync();
        await Expect(row.GetByTestId("key-limits")).ToHaveTextAsync("100,000 tokens in all");
        await Expect(operatorPage.GetByTestId("edit-limits")).ToHaveCountAsync(0); // the dialog closed

        await row.GetByTestId("delete-key").ClickAsync();
        await operatorPage.GetByRole(Microsoft.Playwright.AriaRole.Dialog).GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Delete" }).ClickAsync(); // confirm
        await Expect(row).ToHaveCountAsync(0);
        await erin.GenerateButton.ClickAsync();
        await Expect(erin.Page.GetByTestId("signin-notice")).ToContainTextAsync("ModelApi does not know this key");
        await operatorPage.Context.CloseAsync();
        await erin.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_phone_width_the_keys_page_fits_the_screen()
    {
        await stack.NewKeyAsync("a-key-with-a-rather-long-alias-for-a-phone");
        var page = await browser.NewPageAsync(stack.Dashboard.Address, width: 390, height: 844);
        await page.GotoAsync(new Uri(stack.Dashboard.Address, "keys").ToString());
        await SignInPage.SubmitAsync(page, KeyStack.Master);
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        await Expect(page.GetByTestId("key-row").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("create-key")).ToBeInViewportAsync();

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px");
        await Screenshots.SaveAsync(page, "keys-phone.png", toDocs: false);
        await page.Context.CloseAsync();
    }
}
