using System.Net;
using static Microsoft.Playwright.Assertions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>A Dashboard that holds a key is a door to the API: it stays shut to the network unless the operator locks or opens it on purpose.</summary>
[Collection(BrowserCollection.Name)]
public class DoorTests(Browser browser)
{
    static readonly Uri NoApi = new($"http://127.0.0.1:{ServerProcess.FreePort()}");

    [Fact]
    public void A_held_key_on_a_non_loopback_address_without_password_or_public_refuses_to_start_and_says_why()
    {
        var refused = Assert.ThrowsAny<Exception>(() => new DashboardProcess(NoApi, "the-operators-key", ("HOST", "0.0.0.0"))).ToString();
        Assert.Contains("exited early", refused);
        Assert.Contains("Refusing to listen on http://0.0.0.0:", refused); // the address Kestrel bound, with its port
        Assert.Contains("Set DASHBOARD_PASSWORD", refused);
        Assert.Contains("DASHBOARD_PUBLIC=true", refused);
        Assert.DoesNotContain("the-operators-key", refused);

        using var meant = new DashboardProcess(NoApi, "the-operators-key", ("HOST", "0.0.0.0"), ("DASHBOARD_PUBLIC", "true"));
        Assert.False(meant.HasExited);
    }

    [Fact]
    public void The_refusal_is_decided_from_the_addresses_Kestrel_binds_not_from_HOST()
    {
        var port = ServerProcess.FreePort();
        var refused = Assert.ThrowsAny<Exception>(() =>
        {
            using var _ = new DashboardProcess(NoApi, "the-operators-key", ("HOST", "127.0.0.1"), ("Kestrel__Endpoints__Pub__Url", $"http://0.0.0.0:{port}"));
        }).ToString(); // (disposed, should it ever start)
        Assert.Contains("exited early", refused);
        Assert.Contains($"Refusing to listen on http://0.0.0.0:{port}", refused);
        Assert.DoesNotContain("Now listening on", refused); // refused before serving anything
        Assert.DoesNotContain("the-operators-key", refused);
    }

    [Fact]
    public async Task The_password_door_sends_visitors_to_sign_in_and_limits_attempts_per_address()
    {
        using var dashboard = new DashboardProcess(NoApi, "the-operators-key", ("DASHBOARD_PASSWORD", "open sesame"));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = dashboard.Address };

        using var visit = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, visit.StatusCode);
        Assert.StartsWith("/signin", visit.Headers.Location!.PathAndQuery);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            using var attempt = await http.PostAsync("/signin", new FormUrlEncodedContent([new("Secret", "guess " + i), new("_handler", "signin")]));
            statuses.Add(attempt.StatusCode);
        }
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses[..10]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
    }

    [Fact]
    public async Task The_password_door_refuses_a_wrong_password_and_lets_the_right_one_use_the_held_key()
    {
        using var dashboard = new DashboardProcess(NoApi, "the-operators-key", ("DASHBOARD_PASSWORD", "open sesame"));
        var page = await browser.NewPageAsync(dashboard.Address);
        await page.GotoAsync(dashboard.Address.ToString());

        await SignInPage.SubmitAsync(page, "open sesam");
        await Expect(page.GetByTestId("signin-error")).ToHaveTextAsync("Wrong password.");
        await SignInPage.SubmitAsync(page, "open sesame");
        var gpt = new CustomGptPage(page);
        await Expect(gpt.ById("signed-in-as")).ToContainTextAsync("dashboard password");
        await Expect(gpt.ById("api-key")).ToHaveTextAsync("configured"); // the held key, never shown
        Assert.DoesNotContain("the-operators-key", await page.ContentAsync());
        await page.Context.CloseAsync();
    }
}
