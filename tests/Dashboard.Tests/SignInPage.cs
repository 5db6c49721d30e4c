using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>The sign-in page as a person uses it, and a recorder of everything the page's websockets carry.</summary>
public static class SignInPage
{
    /// <summary>Opens the Dashboard in a fresh context, lands on the sign-in page and signs in; returns the live Custom GPT page.</summary>
    public static async Task<CustomGptPage> SignInAsync(this Browser browser, Uri dashboard, string secret)
    {
        var page = await browser.NewPageAsync(dashboard);
        await page.GotoAsync(dashboard.ToString());
        await SubmitAsync(page, secret);
        await page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        return new CustomGptPage(page);
    }

    /// <summary>Types <paramref name="secret"/> into the sign-in form and sends it.</summary>
    public static async Task SubmitAsync(IPage page, string secret)
    {
        await Expect(page.GetByTestId("signin-page")).ToBeVisibleAsync();
        await page.GetByTestId("signin-secret").FillAsync(secret);
        await page.GetByTestId("signin-submit").ClickAsync();
    }

    /// <summary>Every websocket frame the page sends or receives from now on, as text (binary frames decoded as UTF-8).</summary>
    public static StringBuilder RecordWebSockets(IPage page)
    {
        var frames = new StringBuilder();
        void Add(IWebSocketFrame f)
        {
            lock (frames) frames.Append(f.Text ?? Encoding.UTF8.GetString(f.Binary ?? [])).Append('\n');
        }
        page.WebSocket += (_, socket) =>
        {
            socket.FrameSent += (_, f) => Add(f);
            socket.FrameReceived += (_, f) => Add(f);
        };
        return frames;
    }
}
