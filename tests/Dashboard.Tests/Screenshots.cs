using Microsoft.Playwright;

namespace CustomGpt.Dashboard.Tests;

static class Screenshots
{
    /// <summary>Saves a full-page PNG to docs/ (the README's screenshot) or next to the test output.</summary>
    public static async Task SaveAsync(IPage page, string name, bool toDocs)
    {
        var folder = toDocs ? Path.Combine(DashboardProcess.RepositoryRoot, "docs") : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name), FullPage = true });
    }
}
