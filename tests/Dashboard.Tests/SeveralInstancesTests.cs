using System.Globalization;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>
/// The Dashboard as `fly deploy` runs it: two instances, each with its own memory and home folder, behind a proxy
/// that sends each request (page, script, sign-in form, WebSocket) to either one, with no sticky sessions.
/// </summary>
[Collection(BrowserCollection.Name)]
public class SeveralInstancesTests(Browser browser, SeveralDashboardsStack stack, ITestOutputHelper output) : IClassFixture<SeveralDashboardsStack>
{
    [Fact]
    public async Task Sign_in_Test_Connection_Generate_and_Stop_work_when_each_request_may_reach_either_instance()
    {
        using var cluster = stack.Start(SeveralDashboardsStack.Secret);
        var page = await browser.SignInAsync(cluster.Proxy.Address, SeveralDashboardsStack.Password);
        await Expect(page.ById("signed-in-as")).ToContainTextAsync("dashboard password");

        await page.TestConnectionAsync("ready");
        await Expect(page.ConnectionStatus).ToContainTextAsync("context 16,384 tokens");

        await page.SetNumberAsync("num-chars", 100);
        var text = await page.GenerateAsync();
        Assert.Equal(100, CustomGptPage.CharCount(text));
        Assert.Equal("length reached", await page.StatAsync("finish"));

        await stack.Api.IdleAsync();
        var cancelledBefore = await stack.Api.RequestsAsync("cancelled");
        await page.SetNumberAsync("num-chars", 8192);
        await page.GenerateButton.ClickAsync();
        await Expect(page.GenerateButton).ToContainTextAsync("Stop");
        await Expect(page.Output).Not.ToBeEmptyAsync(); // the new run's text is streaming in
        await page.GenerateButton.ClickAsync();
        await Expect(page.Stats).ToHaveAttributeAsync("data-outcome", "stopped");
        Assert.InRange(int.Parse(await page.StatAsync("chars"), CultureInfo.InvariantCulture), 1, 8191);
        for (var i = 0; i < 600 && await stack.Api.RequestsAsync("cancelled") == cancelledBefore; i++) await Task.Delay(50);
        Assert.Equal(cancelledBefore + 1, await stack.Api.RequestsAsync("cancelled"));

        // Both instances served this session, the circuit came up with one WebSocket request (no /negotiate), and
        // nothing was refused on the way (404 for an unknown connection, 400 for a form token from the other instance).
        var log = cluster.Proxy.Log();
        Assert.All(cluster.Instances, d => Assert.Contains(log, p => p.Upstream == DashboardCluster.Upstream(d)));
        Assert.DoesNotContain(log, p => p.Path.EndsWith("/negotiate", StringComparison.Ordinal));
        Assert.DoesNotContain(log, p => p.Status >= 400); // not even the icon: the page names favicon.svg
        Assert.Contains(log, p => p is { Method: "POST", Path: "/signin", Status: 302 });
        await page.Page.Context.CloseAsync();
        // The WebSocket's line is written once nginx has seen it close (a hang guard of 10 s).
        for (var i = 0; i < 200 && !cluster.Proxy.Log().Any(IsWebSocket); i++) await Task.Delay(50);
        Assert.Contains(cluster.Proxy.Log(), IsWebSocket);
    }

    static bool IsWebSocket(RoundRobinProxy.Passed p) => p is { Method: "GET", Path: "/_blazor", Status: 101 };

    [Fact]
    public async Task A_page_drawn_by_one_instance_runs_its_circuit_on_the_other_and_stays_signed_in()
    {
        using var cluster = stack.Start(SeveralDashboardsStack.Secret);
        var page = await browser.SignInAsync(cluster.Proxy.Address, SeveralDashboardsStack.Password);

        // Reload until the proxy has sent the page to one instance and its WebSocket to the other. On every other
        // reload the stylesheet (loaded after the page, before the WebSocket) is fetched twice: one request more
        // between the two moves the WebSocket to the other instance whatever else the browser asks for.
        var crossed = 0;
        var twice = false;
        await page.Page.RouteAsync("**/app*.css", async route => // app.css, fingerprinted (app.<hash>.css)
        {
            if (twice) await (await route.FetchAsync()).DisposeAsync();
            await route.ContinueAsync();
        });
        for (var reload = 0; reload < 8 && crossed == 0; reload++)
        {
            twice = reload % 2 == 1;
            await page.Page.ReloadAsync();
            await page.Page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
            await Expect(page.ById("signed-in-as")).ToContainTextAsync("dashboard password");
            var drewPage = cluster.Proxy.Log().Last(p => p is { Method: "GET", Path: "/", Status: 200 }).Upstream;
            var circuit = DashboardCluster.Upstream(await cluster.HoldingTheCircuitAsync());
            if (drewPage != circuit) crossed++;
        }
        Assert.Equal(1, crossed);

        // That page is live: its circuit answers clicks.
        await page.TestConnectionAsync("ready");
        await page.SetNumberAsync("num-chars", 40);
        Assert.Equal(40, CustomGptPage.CharCount(await page.GenerateAsync()));
        await page.Page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("INT")] // how Fly stops a machine (auto_stop_machines, a deploy): its default kill_signal
    [InlineData("KILL")] // a machine lost without warning
    public async Task When_the_instance_holding_the_circuit_stops_the_page_reloads_onto_the_other_and_keeps_working(string signal)
    {
        using var cluster = stack.Start(SeveralDashboardsStack.Secret);
        var page = await browser.SignInAsync(cluster.Proxy.Address, SeveralDashboardsStack.Password);
        await page.TestConnectionAsync("ready");
        await page.Page.EvaluateAsync("() => window.beforeTheStop = true");

        var holder = await cluster.HoldingTheCircuitAsync();
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        holder.Signal(signal);

        // Blazor's reconnect reaches the other instance, which does not have the circuit: the page loads afresh there.
        await page.Page.WaitForFunctionAsync("() => window.beforeTheStop === undefined");
        await page.Page.Locator("[data-testid=page][data-interactive=true]").WaitForAsync();
        output.WriteLine($"SIG{signal}: the page was live again on the other instance after {stopped.ElapsedMilliseconds} ms");
        Assert.Same(cluster.Other(holder), await cluster.HoldingTheCircuitAsync());
        await Expect(page.ById("signed-in-as")).ToContainTextAsync("dashboard password");
        await page.TestConnectionAsync("ready");
        await page.SetNumberAsync("num-chars", 40);
        Assert.Equal(40, CustomGptPage.CharCount(await page.GenerateAsync()));
        await Expect(page.Page.Locator("#components-reconnect-modal")).Not.ToBeVisibleAsync();
        await page.Page.Context.CloseAsync();
    }
}
