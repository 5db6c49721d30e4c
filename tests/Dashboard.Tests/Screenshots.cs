using Microsoft.Playwright;

namespace CustomGpt.Dashboard.Tests;

static class Screenshots
{
    /// <summary>Saves a full-page PNG next to the test output, where every run can be looked at.
    /// With UPDATE_SCREENSHOTS=1, a docs screenshot also replaces the README's copy in docs/
    /// (off by default, so running the tests leaves the working tree as it was).</summary>
    public static async Task SaveAsync(IPage page, string name, bool toDocs)
    {
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, "screenshots") };
        if (toDocs && Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
            folders.Add(Path.Combine(Repository.Root, "docs"));
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name), FullPage = true });
        }
    }
}
