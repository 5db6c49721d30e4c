using CustomGpt.Trainer.Tests;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>A job that finishes on the Training page offers Try it: the Custom GPT page opens with the new model picked,
/// and Generate Text writes with it. Its own class (and servers): the other training test counts the jobs it sees.</summary>
[Collection(BrowserCollection.Name)]
public class TrainingTryItTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task A_finished_job_offers_Try_it_which_opens_the_Custom_GPT_page_with_the_new_model_picked()
    {
        var gpt = await browser.SignInAsync(stack.Dashboard.Address, KeyStack.Master);
        var page = gpt.Page;
        await page.GetByTestId("nav-training").ClickAsync();
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();

        await page.GetByTestId("text-input").FillAsync(TestTexts.Sentences(12_000));
        await page.GetByTestId("name").FillAsync("tryit");
        await gpt.SetNumberAsync("amount", 0.1); // six seconds of the tiny preset
        await page.GetByTestId("start-training").ClickAsync();

        var view = page.GetByTestId("job-view");
        await Expect(view).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 180_000 }); // a hang guard
        var tryIt = page.GetByTestId("try-it");
        var href = (await tryIt.GetAttributeAsync("href"))!;
        var model = Uri.UnescapeDataString(href[(href.IndexOf("model=", StringComparison.Ordinal) + "model=".Length)..]);
        Assert.Contains(":tryit:", model, StringComparison.Ordinal); // custom-gpt-tiny:tryit:ab12cd

        await tryIt.ClickAsync();
        var custom = new CustomGptPage(page);
        await Expect(custom.Picker()).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(custom.Picker()).ToHaveAttributeAsync("data-model", model);
        await custom.SetNumberAsync("num-chars", 40);
        Assert.False(string.IsNullOrEmpty(await custom.GenerateAsync()));
        await page.Context.CloseAsync();
    }
}
