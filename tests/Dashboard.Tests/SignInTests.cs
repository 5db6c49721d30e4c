using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The door: ModelApi wants keys, the Dashboard holds none, so each person signs in with their own.</summary>
[Collection(BrowserCollection.Name)]
public class SignInTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task A_wrong_key_is_refused_a_valid_key_signs_in_and_its_secret_never_reaches_the_browser_and_sign_out_forgets_it()
    {
        var secret = await stack.NewKeyAsync("dana");
        var page = await browser.NewPageAsync(stack.Dashboard.Address);
        var frames = SignInPage.RecordWebSockets(page);
        await page.GotoAsync(stack.Dashboard.Address.ToString());

        await SignInPage.SubmitAsync(page, secret + "x");
        await Expect(page.GetByTestId("signin-error")).ToContainTextAsync("ModelApi does not know this key");
        await SignInPage.SubmitAsync(page, await stack.NewKeyAsync("for-another-model", models: ["gpt-4o"]));
        await Expect(page.GetByTestId("signin-error")).ToContainTextAsync("This key may not use any model this ModelApi serves");
        Assert.DoesNotContain(secret, await page.ContentAsync()); // what was typed is not echoed back
        await Screenshots.SaveAsync(page, "signin.png", toDocs: false);

        await SignInPage.SubmitAsync(page, secret);
        var gpt = new CustomGptPage(page);
        await Expect(gpt.ById("signed-in-as")).ToContainTextAsync("dana");
        await gpt.TestConnectionAsync("ready");
        await gpt.GenerateAsync();
        await Expect(gpt.ById("my-tokens")).Not.ToHaveTextAsync("0");

        Assert.DoesNotContain(secret, await page.ContentAsync());
        lock (frames) Assert.DoesNotContain(secret, frames.ToString());
        lock (frames) Assert.Contains("JS.", frames.ToString()); // the recorder did see the circuit's traffic (read under its lock: frames still arrive)
        Assert.All(await page.Context.CookiesAsync(), c => Assert.DoesNotContain(secret, c.Value)); // encrypted

        await page.GotoAsync(new Uri(stack.Dashboard.Address, "keys").ToString()); // not for a virtual key
        await Expect(page.GetByTestId("keys-disabled")).ToContainTextAsync("sign in with the master key");
        await page.GotoAsync(stack.Dashboard.Address.ToString());
        await gpt.ById("signout").ClickAsync();
        await Expect(page.GetByTestId("signin-notice")).ToContainTextAsync("You signed out");
        await page.GotoAsync(stack.Dashboard.Address.ToString());
        await Expect(page.GetByTestId("signin-page")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Two_people_see_their_own_usage_and_a_revoked_key_ends_its_session_at_the_next_request()
    {
        var (alice, bob) = (await stack.NewKeyAsync("alice"), await stack.NewKeyAsync("bob"));
        var alicePage = await browser.SignInAsync(stack.Dashboard.Address, alice);
        var bobPage = await browser.SignInAsync(stack.Dashboard.Address, bob);

        await alicePage.GenerateAsync();
        await Expect(alicePage.ById("signed-in-as")).ToContainTextAsync("alice");
        await Expect(alicePage.ById("my-tokens")).Not.ToHaveTextAsync("0");
        await Expect(bobPage.ById("signed-in-as")).ToContainTextAsync("bob");
        await Expect(bobPage.ById("my-tokens")).ToHaveTextAsync("0"); // alice's run is not on bob's key

        await bobPage.SettledAsync();
        await stack.DeleteKeyAsync(bob);
        await bobPage.GenerateButton.ClickAsync();
        await Expect(bobPage.Page.GetByTestId("signin-notice")).ToContainTextAsync("ModelApi refused your key, so you were signed out");
        await bobPage.Page.GotoAsync(stack.Dashboard.Address.ToString());
        await Expect(bobPage.Page.GetByTestId("signin-page")).ToBeVisibleAsync(); // the cookie is gone too
        await alicePage.GenerateAsync(); // alice goes on
        await alicePage.Page.Context.CloseAsync();
        await bobPage.Page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_link_neither_signs_anyone_out_nor_shows_a_notice_and_signing_out_takes_a_post_with_the_form_token()
    {
        var gpt = await browser.SignInAsync(stack.Dashboard.Address, await stack.NewKeyAsync("erik"));
        var page = gpt.Page;
        await Expect(gpt.ById("signed-in-as")).ToContainTextAsync("erik");

        // What a link on another site could make the browser open: the notice and the session come from the server's own state.
        foreach (var link in new[] { "signin?refused=key_blocked", "signin?refusal=key_blocked", "signin?refusal=" + new string('A', 120) })
        {
            await page.GotoAsync(new Uri(stack.Dashboard.Address, link).ToString());
            await Expect(page.GetByTestId("signin-page")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("signin-notice")).ToHaveCountAsync(0);
        }
        // A GET of the sign-out address, and a POST without the form's antiforgery token, both leave the session alone.
        var get = await page.APIRequest.GetAsync(new Uri(stack.Dashboard.Address, "signout").ToString(), new() { MaxRedirects = 0 });
        var post = await page.APIRequest.PostAsync(new Uri(stack.Dashboard.Address, "signout").ToString(), new() { MaxRedirects = 0 });
        Assert.NotEqual(302, get.Status);
        Assert.Equal(400, post.Status);

        await page.GotoAsync(stack.Dashboard.Address.ToString());
        await Expect(gpt.ById("signed-in-as")).ToContainTextAsync("erik"); // still signed in
        await gpt.ById("signout").ClickAsync(); // the page's own form: a POST with the token
        await Expect(page.GetByTestId("signin-notice")).ToContainTextAsync("You signed out");
        await page.GotoAsync(stack.Dashboard.Address.ToString());
        await Expect(page.GetByTestId("signin-page")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
