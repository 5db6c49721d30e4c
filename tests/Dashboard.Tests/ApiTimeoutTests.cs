using System.Net;
using System.Net.Sockets;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public class ApiTimeoutTests(Browser browser)
{
    [Fact]
    public async Task An_api_that_never_answers_is_given_up_after_GPT_API_TIMEOUT_SECONDS()
    {
        using var silent = new SilentServer();
        using var dashboard = new DashboardProcess(silent.Address, null, ("GPT_API_TIMEOUT_SECONDS", "2"));
        var page = new CustomGptPage(await browser.OpenAsync(dashboard.Address));

        await page.SetNumberAsync("num-chars", 20);
        await page.GenerateButton.ClickAsync();

        await Expect(page.ById("generate-error")).ToContainTextAsync($"No answer from 127.0.0.1:{silent.Address.Port} within 2 s.");
        await page.Page.Context.CloseAsync();
    }

    /// <summary>Accepts connections and reads nothing, answers nothing: a hung API.</summary>
    sealed class SilentServer : IDisposable
    {
        readonly TcpListener listener = new(IPAddress.Loopback, 0);
        readonly List<Socket> held = [];

        public SilentServer()
        {
            listener.Start();
            _ = HoldAsync();
        }

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        async Task HoldAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync();
                    lock (held) held.Add(socket);
                }
            }
            catch (ObjectDisposedException) { }
            catch (SocketException) { }
        }

        public void Dispose()
        {
            listener.Stop();
            lock (held) held.ForEach(s => s.Dispose());
        }
    }
}
