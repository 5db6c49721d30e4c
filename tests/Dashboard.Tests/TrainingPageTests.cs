using CustomGpt.Trainer.Tests;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The operator trains a model from a pasted text on the Training page: the loss chart grows and samples of text
/// appear as the job learns, Stop ends it (its checkpoint kept), and coming back to the page shows the job again.</summary>
[Collection(BrowserCollection.Name)]
public class TrainingPageTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task A_job_started_from_a_pasted_text_draws_its_loss_curve_and_stops_on_Stop()
    {
        var gpt = await browser.SignInAsync(stack.Dashboard.Address, KeyStack.Master);
        var page = gpt.Page;
        await page.GetByTestId("nav-training").ClickAsync();
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();

        await page.GetByTestId("text-input").FillAsync(TestTexts.Sentences(12_000));
        await page.GetByTestId("name").FillAsync("browser");
        await gpt.SetNumberAsync("amount", 2);
        await page.GetByTestId("start-training").ClickAsync();

        var view = page.GetByTestId("job-view");
        await Expect(view).ToHaveAttributeAsync("data-status", "running", new() { Timeout = 120_000 });
        var chart = page.GetByTestId("loss-chart");
        // The chart grows: two points, then more (hang guards, not timing checks).
        await Expect(chart).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^([2-9]|\\d{2,})$"), new() { Timeout = 120_000 });
        var points = int.Parse((await chart.GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
        await Expect(chart).Not.ToHaveAttributeAsync("data-points", points.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 120_000 });
        await Expect(chart.Locator("svg")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("tokens-per-second")).ToContainTextAsync("tokens/s");
        await Expect(page.GetByTestId("time-left")).ToContainTextAsync("left");
        // Samples of text appear while it trains (every TRAIN_SAMPLE_SECONDS, 10 s by default), each with its step.
        var sample = page.GetByTestId("training-sample").First;
        await Expect(sample).ToHaveAttributeAsync("data-step", new System.Text.RegularExpressions.Regex("^[1-9]\\d*$"), new() { Timeout = 120_000 });
        await Expect(view).ToHaveAttributeAsync("data-status", "running");
        await Expect(sample).ToContainTextAsync("step ");
        await Screenshots.SaveAsync(page, "training-samples.png", toDocs: false);

        await page.GetByTestId("stop-training").ClickAsync();
        await Expect(view).ToHaveAttributeAsync("data-status", "cancelled");
        await Expect(page.GetByTestId("stop-training")).ToHaveCountAsync(0);

        // Leaving and coming back shows the job where it is.
        var jobId = await view.GetAttributeAsync("data-job-id");
        await page.GetByTestId("nav-custom-gpt").ClickAsync();
        await page.GetByTestId("nav-training").ClickAsync();
        await Expect(page.GetByTestId("job-view")).ToHaveAttributeAsync("data-job-id", jobId!);
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }
}
