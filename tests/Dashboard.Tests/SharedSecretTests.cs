using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace CustomGpt.Dashboard.Tests;

/// <summary>
/// DASHBOARD_SECRET, request by request (no proxy, no browser): what one instance protects (the sign-in form's
/// antiforgery token, the sign-in cookie), another accepts only when both derive their key from the same secret.
/// </summary>
public partial class SharedSecretTests
{
    static readonly Uri NoApi = new($"http://127.0.0.1:{ServerProcess.FreePort()}"); // the password door never asks ModelApi
    const string Password = SeveralDashboardsStack.Password;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_form_token_and_a_sign_in_from_one_instance_are_honoured_by_another_only_with_the_same_DASHBOARD_SECRET(bool shared)
    {
        using var a = Instance(shared ? SeveralDashboardsStack.Secret : null, out var homeA);
        using var b = Instance(shared ? SeveralDashboardsStack.Secret : null, out var homeB);
        try
        {
            // One cookie jar for both, as a browser behind one address has (cookies ignore the port).
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

            var tokenFromA = await FormTokenAsync(http, a.Address);
            using var signInAtB = await SignInAsync(http, b.Address, tokenFromA);
            using var pageFromA = await http.GetAsync(a.Address);

            if (shared)
            {
                Assert.Equal(HttpStatusCode.Redirect, signInAtB.StatusCode);
                Assert.Equal("/", signInAtB.Headers.Location?.AbsolutePath);
                Assert.Equal(HttpStatusCode.OK, pageFromA.StatusCode); // signed in at B, let in by A
                Assert.Contains("Signed in with dashboard password", await pageFromA.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Empty(Directory.EnumerateFileSystemEntries(homeA)); // no key was made or stored
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, signInAtB.StatusCode); // A's form token means nothing to B
                using var signInAtA = await SignInAsync(http, a.Address, tokenFromA);
                Assert.Equal(HttpStatusCode.Redirect, signInAtA.StatusCode);
                using var pageFromB = await http.GetAsync(b.Address);
                Assert.Equal(HttpStatusCode.Redirect, pageFromB.StatusCode); // A's cookie means nothing to B: back to sign in
                Assert.StartsWith("/signin", pageFromB.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(homeA, recursive: true);
            Directory.Delete(homeB, recursive: true);
        }
    }

    [Fact]
    public void Without_DASHBOARD_SECRET_one_instance_works_as_before_and_its_log_says_several_need_it()
    {
        using var alone = Instance(null, out var home);
        try
        {
            Assert.Contains("DASHBOARD_SECRET is not set", alone.Output, StringComparison.Ordinal);
            Assert.Contains("fly secrets set DASHBOARD_SECRET=$(openssl rand -base64 48)", alone.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("DASHBOARD_SECRET", "only-31-characters-long-secret!", "DASHBOARD_SECRET is 31 characters long; it must have at least 32")]
    [InlineData("DASHBOARD_SECRET_REQUIRED", "true", "DASHBOARD_SECRET is not set, and DASHBOARD_SECRET_REQUIRED=true")]
    [InlineData("DASHBOARD_SECRET_REQUIRED", "ture", "DASHBOARD_SECRET_REQUIRED='ture' must be true or false")] // a typo does not switch the check off
    [InlineData("GPT_API_TIMEOUT_SECONDS", "soon", "GPT_API_TIMEOUT_SECONDS='soon' must be a whole number of seconds from 1 to 3600")]
    public async Task A_setting_that_cannot_work_stops_the_start_with_exit_code_2_and_says_which(string name, string value, string message)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(DashboardProcess.Folder, "Dashboard.dll")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = DashboardProcess.Folder,
        };
        info.Environment["PORT"] = "0";
        info.Environment["GPT_API_URL"] = NoApi.ToString();
        info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        if (name == "DASHBOARD_SECRET") Assert.DoesNotContain(value, stderr + await stdout, StringComparison.Ordinal);
    }

    static DashboardProcess Instance(string? secret, out string home)
    {
        home = Directory.CreateTempSubdirectory("customgpt-dashboard-home-").FullName;
        return new DashboardProcess(NoApi, null, [("HOME", home), ("DASHBOARD_PASSWORD", Password), .. secret is null ? [] : new[] { ("DASHBOARD_SECRET", secret) }]);
    }

    /// <summary>GET /signin: the form's antiforgery token (its cookie goes into the jar).</summary>
    static async Task<string> FormTokenAsync(HttpClient http, Uri instance)
    {
        var html = await http.GetStringAsync(new Uri(instance, "signin"));
        var input = TokenInput().Match(html);
        if (!input.Success) throw new InvalidOperationException("No form token in:\n" + html);
        return WebUtility.HtmlDecode(ValueOf().Match(input.Value).Groups[1].Value);
    }

    static Task<HttpResponseMessage> SignInAsync(HttpClient http, Uri instance, string token) =>
        http.PostAsync(new Uri(instance, "signin"), new FormUrlEncodedContent([new("Secret", Password), new("_handler", "signin"), new("__RequestVerificationToken", token)]));

    [GeneratedRegex("""<input[^>]*name="__RequestVerificationToken"[^>]*>""")]
    private static partial Regex TokenInput();

    [GeneratedRegex("value=\"([^\"]*)\"")]
    private static partial Regex ValueOf();
}
