using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The Chat page behind the door, as Custom GPT is: sign in first; signing out forgets the tab's conversation.</summary>
[Collection(BrowserCollection.Name)]
public class ChatSignInTests(Browser browser, KeyStack stack) : IClassFixture<KeyStack>
{
    [Fact]
    public async Task Chat_needs_sign_in_answers_with_the_persons_key_and_sign_out_forgets_the_conversation()
    {
        var secret = await stack.NewKeyAsync("erin");
        var page = await browser.NewPageAsync(stack.Dashboard.Address);
        var chatAddress = new Uri(stack.Dashboard.Address, "chat").ToString();
        await page.GotoAsync(chatAddress);

        await SignInPage.SubmitAsync(page, secret); // the sign-in page came first, and leads back to the Chat page
        await page.WaitForURLAsync("**/chat");
        var chat = new ChatPage(page);
        await chat.LoadedAsync();
        await Expect(chat.ById("signed-in-as")).ToContainTextAsync("erin");
        await chat.SetNumberAsync("max-tokens", 12);
        await chat.SayAsync("the fox");
        await Expect(chat.ById("my-tokens")).Not.ToHaveTextAsync("0"); // the reply was made with erin's own key

        await chat.ById("signout").ClickAsync();
        await Expect(page.GetByTestId("signin-notice")).ToContainTextAsync("You signed out");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('customGpt.chat')"));
        await page.GotoAsync(chatAddress);
        await SignInPage.SubmitAsync(page, secret);
        await chat.LoadedAsync();
        await Expect(chat.ById("empty-conversation")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
