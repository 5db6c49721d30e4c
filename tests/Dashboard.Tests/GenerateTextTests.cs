using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public class GenerateTextTests(Browser browser, Stack stack) : IClassFixture<Stack>
{
    [Fact]
    public async Task Test_Connection_shows_ready_with_the_model_and_the_api_in_use()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));

        await page.TestConnectionAsync("ready");

        await Expect(page.ConnectionStatus).ToContainTextAsync("Ready: long");
        await Expect(page.ConnectionStatus).ToContainTextAsync("context 16,384 tokens");
        await Expect(page.ById("latency")).ToContainTextAsync(" ms");
        await Expect(page.ById("api-address")).ToHaveTextAsync(stack.Api.Address.ToString());
        await Expect(page.ById("api-key")).ToHaveTextAsync("not configured");
        await page.Page.Context.CloseAsync();
    }

    const string Prompt = "the quick brown fox";

    /// <summary>The page with a prompt, seed 1234, temperature 0.9 and 120 characters set.</summary>
    async Task<CustomGptPage> ReadyToGenerateAsync()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));
        await page.TestConnectionAsync("ready");
        await page.ById("prompt").FillAsync(Prompt);
        await page.UseFixedSeedAsync(1234);
        await page.SetNumberAsync("temperature", 0.9);
        await page.SetNumberAsync("num-chars", 120);
        return page;
    }

    [Fact]
    public async Task The_prompt_box_counts_its_tokens_as_the_api_does()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));
        await page.ById("prompt").FillAsync(Prompt);
        await Expect(page.ById("prompt-tokens")).ToHaveTextAsync($"{await stack.Api.TokenCountAsync(Prompt)} prompt tokens");
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Generate_streams_exactly_the_characters_asked_for_the_text_a_plain_http_caller_gets()
    {
        var page = await ReadyToGenerateAsync();
        var text = await page.GenerateAsync();

        Assert.Equal(120, CustomGptPage.CharCount(text));
        Assert.Equal("120", await page.StatAsync("chars"));
        Assert.Equal("1234", await page.StatAsync("seed"));
        Assert.Equal("length reached", await page.StatAsync("finish"));
        Assert.True(int.Parse(await page.StatAsync("tokens"), CultureInfo.InvariantCulture) > 0); // byte tokens may make it more than 120
        Assert.True(double.Parse(await page.StatAsync("speed"), CultureInfo.InvariantCulture) > 0);
        Assert.EndsWith(" ms", await page.StatAsync("ttft"), StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = stack.Api.Address };
        using var response = await http.PostAsJsonAsync("generate", new { prompt = Prompt, seed = 1234, temperature = 0.9, num_chars = 120, top_k = 40, top_p = 0.95, ignore_eos = true });
        Assert.Equal((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("generated_text").GetString(), text);

        await Screenshots.SaveAsync(page.Page, "dashboard-test-model.png", toDocs: false);
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text_and_Restore_brings_a_runs_parameters_back()
    {
        var page = await ReadyToGenerateAsync();
        var first = await page.GenerateAsync();
        Assert.Equal(first, await page.GenerateAsync());

        await Expect(page.History).ToHaveCountAsync(2);
        await Expect(page.ById("speed-chart")).ToBeVisibleAsync();
        await page.SetNumberAsync("seed", 99);
        await page.ById("restore-1").ClickAsync();
        await Expect(page.ById("seed")).ToHaveValueAsync("1234");
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Copy_puts_exactly_the_output_on_the_clipboard()
    {
        var page = await ReadyToGenerateAsync();
        var text = await page.GenerateAsync();
        await page.ById("copy").ClickAsync();
        await Expect(page.Notice("Copied 120 characters.")).ToBeVisibleAsync();
        Assert.Equal(text, await page.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task Stop_during_a_long_run_stops_it_on_the_server_too()
    {
        await stack.Api.IdleAsync();
        var cancelledBefore = await stack.Api.RequestsAsync("cancelled");
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));
        await page.SetNumberAsync("num-chars", 8192);

        await page.GenerateButton.ClickAsync();
        await Expect(page.GenerateButton).ToContainTextAsync("Stop");
        await Expect(page.Output).Not.ToBeEmptyAsync(); // text is streaming in
        await page.GenerateButton.ClickAsync();

        await Expect(page.Stats).ToHaveAttributeAsync("data-outcome", "stopped");
        await Expect(page.GenerateButton).ToContainTextAsync("Generate Text");
        Assert.InRange(int.Parse(await page.StatAsync("chars"), CultureInfo.InvariantCulture), 1, 8191);
        Assert.Equal("stopped", await page.StatAsync("finish"));
        for (var i = 0; i < 600 && await stack.Api.RequestsAsync("cancelled") == cancelledBefore; i++) await Task.Delay(50);
        Assert.Equal(cancelledBefore + 1, await stack.Api.RequestsAsync("cancelled"));
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_input_the_api_rejects_is_explained_next_to_its_control()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address));
        await page.SetNumberAsync("top-k", 100000); // more than the model's vocabulary: only the API knows that

        await page.GenerateButton.ClickAsync();

        await Expect(page.ById("error-top_k")).ToContainTextAsync("'top_k' must be from 0 (off) to");
        await Expect(page.ById("generate-error")).ToHaveCountAsync(0);
        await Expect(page.Stats).ToHaveAttributeAsync("data-outcome", "failed");
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_phone_width_the_page_stacks_with_Generate_Text_on_the_first_screen()
    {
        var page = new CustomGptPage(await browser.OpenAsync(stack.Dashboard.Address, width: 390, height: 844));
        await page.SetNumberAsync("num-chars", 60);
        await page.GenerateAsync();

        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        var prompt = await page.ById("prompt").BoundingBoxAsync();
        var generate = await page.GenerateButton.BoundingBoxAsync();
        var sidebar = await page.ById("sidebar").BoundingBoxAsync();
        Assert.True(overflow <= 0, $"the page scrolls sideways by {overflow}px");
        Assert.NotNull(prompt);
        Assert.NotNull(generate);
        Assert.NotNull(sidebar);
        Assert.True(generate.Y + generate.Height <= 844, "Generate Text should be on the first screen");
        Assert.True(sidebar.Y >= generate.Y, "connection and parameters come after the prompt on a phone");
        Assert.True(sidebar.Width <= 390 && prompt.Width <= 390);
        await Screenshots.SaveAsync(page.Page, "dashboard-phone.png", toDocs: false);

        // The navigation is folded into the app bar's menu on a phone.
        await Expect(page.ById("nav-chat")).Not.ToBeInViewportAsync();
        // The drawer starts open and folds itself once the browser reports the phone width; a toggle pressed before that
        // (a busy machine) would fold it instead of opening it. Wait until it is folded, as a person sees it.
        await Expect(page.Page.Locator(".mud-drawer")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--closed"));
        await page.ById("nav-toggle").ClickAsync();
        await page.ById("nav-chat").ClickAsync();
        await Expect(page.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/chat$"));
        await page.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_dashboard_has_its_own_health_endpoint_and_serves_the_blazor_script()
    {
        using var http = new HttpClient { BaseAddress = stack.Dashboard.Address };

        var health = await http.GetFromJsonAsync<JsonElement>("health");
        using var script = await http.GetAsync("_framework/blazor.web.js");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.True(script.IsSuccessStatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);

        // The page names the .NET 10 pipeline's fingerprinted copies (MapStaticAssets; cached for good once published).
        var page = await http.GetStringAsync("/");
        var fingerprinted = System.Text.RegularExpressions.Regex.Match(page, @"_framework/blazor\.web\.[a-z0-9]+\.js").Value;
        Assert.NotEqual("", fingerprinted);
        using var cached = await http.GetAsync(fingerprinted);
        Assert.True(cached.IsSuccessStatusCode);
        Assert.NotNull(cached.Headers.ETag);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.", page);
    }
}
