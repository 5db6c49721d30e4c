using System.Text.RegularExpressions;

namespace CustomGpt.Deploy.Tests;

/// <summary>docs/settings.md against the settings the apps' sources read. A setting is a quoted UPPER_CASE name
/// (`config["PARALLEL"]`, `Int("MAX_QUEUE", ...)`, `GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT")`) in an app's
/// folders, so a setting added later with any helper is found; adding its table row is all the docs need.</summary>
public sealed class SettingsDocTests
{
    /// <summary>Which folders each app's settings are read in. The typed client is configured by the app that uses it.</summary>
    static readonly Dictionary<string, string[]> Apps = new()
    {
        ["ModelApi"] = ["ModelApi"],
        ["Dashboard"] = ["Dashboard", "ModelApi.Client"],
    };

    /// <summary>Quoted upper-case words in those folders that are not settings.</summary>
    static readonly HashSet<string> NotSettings =
        ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "DEFAULT", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

    [Fact]
    public void Every_setting_the_code_reads_has_a_row_in_docs_settings_md_for_that_app()
    {
        var documented = Documented();
        var missing = (from app in Apps.Keys
                       from read in Read(app)
                       where !documented.Any(d => d.Name == read.Name && d.Apps.Contains(app))
                       select $"{read.Name} is read by {app} ({read.File}) but docs/settings.md has no row for it with {app} in its app column").ToList();
        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    [Fact]
    public void Every_setting_in_docs_settings_md_is_still_read_by_the_app_it_names()
    {
        var problems = new List<string>();
        foreach (var row in Documented())
        {
            if (row.Apps.Count == 0) problems.Add($"docs/settings.md: the row of {row.Name} names no app (ModelApi, Dashboard) in its app column");
            // OpenTelemetry .NET reads its own OTEL_* settings; our code reads only the endpoint and the service name.
            if (row.Name.StartsWith("OTEL_", StringComparison.Ordinal)) continue;
            foreach (var app in row.Apps)
                if (!Read(app).Any(r => r.Name == row.Name))
                    problems.Add($"docs/settings.md documents {row.Name} for {app}, but nothing in {string.Join(", ", Apps[app])}/ reads it any more: remove {app} from its row (or the row)");
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_scan_finds_settings_read_in_every_way_the_apps_read_them()
    {
        // A guard on the scan itself: an indexer, a helper, a constant and the client's options each yield their name.
        var modelApi = Read("ModelApi").Select(r => r.Name).ToHashSet();
        var dashboard = Read("Dashboard").Select(r => r.Name).ToHashSet();
        Assert.Contains("PARALLEL", modelApi);
        Assert.Contains("MODEL_PATH", modelApi);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", modelApi);
        Assert.Contains("GOOGLE_CLOUD_PROJECT", modelApi);
        Assert.Contains("DASHBOARD_SECRET", dashboard);
        Assert.Contains("GPT_API_URL", dashboard);
        Assert.DoesNotContain("GET", modelApi);
        Assert.True(Documented().Count >= 40);
    }

    sealed record Setting(string Name, string File);

    sealed record Row(string Name, IReadOnlyList<string> Apps);

    /// <summary>The settings one app's sources read, with the first file that reads each.</summary>
    static List<Setting> Read(string app) =>
        (from folder in Apps[app]
         from file in Directory.EnumerateFiles(Repository.PathOf(folder), "*.cs", SearchOption.AllDirectories)
         let relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/')
         where !relative.Contains("/obj/", StringComparison.Ordinal) && !relative.Contains("/bin/", StringComparison.Ordinal)
         from Match m in Regex.Matches(WithoutComments(File.ReadAllText(file)), "\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\"")
         let name = m.Groups[1].Value
         where name.Length >= 4 && !NotSettings.Contains(name)
         group relative by name into g
         select new Setting(g.Key, g.Min(StringComparer.Ordinal)!)).ToList();

    /// <summary>Line comments go: a name quoted in a comment ("see \"README\"") is not a setting read.</summary>
    static string WithoutComments(string source) => Regex.Replace(source, @"^\s*//.*$", "", RegexOptions.Multiline);

    /// <summary>The rows of the table whose header starts `| setting | app |`.</summary>
    static List<Row> Documented()
    {
        var lines = Repository.Read("docs/settings.md").Split('\n');
        var header = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^\|\s*setting\s*\|\s*app\s*\|"));
        Assert.True(header >= 0, "docs/settings.md has no table whose header is `| setting | app | default | meaning |`");
        var rows = new List<Row>();
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split('|');
            var name = Regex.Match(cells[1], "`([A-Z][A-Z0-9_]*)`");
            Assert.True(name.Success, "docs/settings.md: a row without a `SETTING` name in its first cell: " + line);
            var apps = Apps.Keys.Where(a => Regex.IsMatch(cells[2], $@"\b{a}\b")).ToList();
            rows.Add(new Row(name.Groups[1].Value, apps));
        }
        return rows;
    }
}
