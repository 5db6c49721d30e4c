using System.Net;
using System.Text.RegularExpressions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>
/// The Dashboard behind a platform's proxy: visitors are told apart by the address the trusted proxies report
/// (counted from the right, Fly-Client-IP on Fly), and a visit over https stays https (redirects, Secure cookies, HSTS).
/// Plain HTTP against the Dashboard process, with the headers each platform's proxy adds.
/// </summary>
public partial class BehindProxyTests
{
    static readonly Uri NoApi = new($"http://127.0.0.1:{ServerProcess.FreePort()}");
    const string Password = "open sesame";

    static DashboardProcess Dashboard(params (string Key, string Value)[] env) =>
        new(NoApi, "the-operators-key", [("DASHBOARD_PASSWORD", Password), .. env]);

    /// <summary>One visitor: their own cookies (sent by hand, so Secure ones travel too) and the headers their proxy adds.</summary>
    sealed class Visitor(DashboardProcess dashboard, params (string Name, string Value)[] proxyHeaders) : IDisposable
    {
        readonly HttpClient http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = dashboard.Address };
        readonly Dictionary<string, string> cookies = [];

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = content };
            foreach (var (name, value) in proxyHeaders) request.Headers.TryAddWithoutValidation(name, value);
            if (cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
            var response = await http.SendAsync(request);
            foreach (var set in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
                cookies[set.Split('=', 2)[0]] = set.Split('=', 2)[1].Split(';')[0];
            return response;
        }

        /// <summary>The sign-in form as a browser posts it: the antiforgery token from the page, then the password.</summary>
        public async Task<HttpResponseMessage> SignInAsync(string secret, string query = "")
        {
            using var page = await SendAsync(HttpMethod.Get, "/signin" + query);
            var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
            return await SendAsync(HttpMethod.Post, "/signin" + query,
                new FormUrlEncodedContent([new("_handler", "signin"), new("Secret", secret), new("__RequestVerificationToken", token)]));
        }

        public void Dispose() => http.Dispose();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [Theory]
    // Fly: X-Forwarded-For ends in the app's own address; Fly-Client-IP is the visitor.
    [InlineData("TRUST_FORWARDED_FOR=true;FLY_APP_NAME=customgpt", "X-Forwarded-For={0}, 66.241.124.1;Fly-Client-IP={0}")]
    // A Google load balancer in front: "<visitor>, <load balancer>".
    [InlineData("FORWARDED_HOPS=2", "X-Forwarded-For=10.9.9.9, {0}, 34.36.0.1")]
    // One proxy that appends the visitor.
    [InlineData("TRUST_FORWARDED_FOR=true", "X-Forwarded-For=10.9.9.9, {0}")]
    public async Task An_attacker_who_spends_the_sign_in_attempts_of_their_address_does_not_lock_out_another_visitor(string settings, string headers)
    {
        using var dashboard = Dashboard([.. settings.Split(';').Select(s => (s.Split('=')[0], s.Split('=')[1]))]);
        (string, string)[] From(string address) => [.. string.Format(headers, address).Split(';').Select(h => (h.Split('=')[0], h.Split('=')[1]))];

        using var attacker = new Visitor(dashboard, From("198.51.100.66"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            using var attempt = await attacker.SignInAsync("guess " + i);
            statuses.Add(attempt.StatusCode);
        }
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses[..10]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);

        using var visitor = new Visitor(dashboard, From("203.0.113.9"));
        using var signedIn = await visitor.SignInAsync(Password);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("customgpt.session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Behind_a_TLS_proxy_redirects_stay_https_cookies_are_Secure_and_HSTS_is_sent()
    {
        using var dashboard = Dashboard(("TRUST_FORWARDED_FOR", "true"));
        (string, string)[] proxy = [("Host", "dashboard.example"), ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https")];
        using var visitor = new Visitor(dashboard, proxy);

        using var door = await visitor.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Redirect, door.StatusCode);
        Assert.StartsWith("https://dashboard.example/signin", door.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("max-age=", door.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

        using var signedIn = await visitor.SignInAsync(Password);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("customgpt.session=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);

        // Plain http (a local run): no HSTS, cookies without Secure (a browser would not send them back over http).
        using var local = new Visitor(dashboard, ("Host", "dashboard.example"));
        using var plainDoor = await local.SendAsync(HttpMethod.Get, "/");
        Assert.StartsWith("http://dashboard.example/signin", plainDoor.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.False(plainDoor.Headers.Contains("Strict-Transport-Security"));
        using var plainSignIn = await local.SignInAsync(Password);
        Assert.DoesNotContain("secure", plainSignIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("customgpt.session=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_trusted_proxies_X_Forwarded_Proto_is_ignored()
    {
        using var dashboard = Dashboard();
        using var visitor = new Visitor(dashboard, ("Host", "dashboard.example"), ("X-Forwarded-Proto", "https"));
        using var door = await visitor.SendAsync(HttpMethod.Get, "/");
        Assert.StartsWith("http://dashboard.example/signin", door.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%2F%E3%80%80")] // "/" and U+3000: once a 500 (a Location header must be ASCII)
    [InlineData("%2F%09%2Fevil.example")] // "/\t/evil.example": browsers drop the tab and would go to //evil.example
    public async Task A_return_address_that_a_Location_header_cannot_carry_safely_sends_the_visitor_home(string returnUrl)
    {
        using var dashboard = Dashboard();
        using var visitor = new Visitor(dashboard);
        using var signedIn = await visitor.SignInAsync(Password, "?ReturnUrl=" + returnUrl);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.IsAbsoluteUri ? signedIn.Headers.Location.AbsolutePath : signedIn.Headers.Location.ToString());
    }

    [Theory]
    [InlineData("FORWARDED_HOPS=two", "FORWARDED_HOPS='two' must be a whole number from 0 to 10")]
    [InlineData("TRUST_FORWARDED_FOR=true;FORWARDED_HOPS=2", "TRUST_FORWARDED_FOR=true contradicts FORWARDED_HOPS=2")]
    public void A_proxy_setting_that_cannot_work_stops_the_start_naming_it(string settings, string message)
    {
        var refused = Assert.ThrowsAny<Exception>(() =>
        {
            using var _ = Dashboard([.. settings.Split(';').Select(s => (s.Split('=')[0], s.Split('=')[1]))]);
        }).ToString(); // (disposed, should it ever start)
        Assert.Contains("exited early", refused, StringComparison.Ordinal);
        Assert.Contains(message, refused, StringComparison.Ordinal);
    }
}
