using System.Text.RegularExpressions;

namespace CustomGpt.Deploy.Tests;

/// <summary>The README and docs/ link to files that exist and to headings those files have (GitHub's anchors), so a
/// page split, renamed or retitled later leaves no dead link behind.</summary>
public sealed class DocsLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_README_and_docs_reaches_a_file_and_a_heading()
    {
        var pages = new[] { "README.md" }.Concat(Directory.EnumerateFiles(Repository.PathOf("docs"), "*.md")
            .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'))).ToList();
        Assert.Contains("docs/api.md", pages);
        var dead = new List<string>();
        foreach (var page in pages)
        {
            var text = Regex.Replace(Repository.Read(page), "^```.*?^```", "", RegexOptions.Singleline | RegexOptions.Multiline);
            foreach (Match link in Regex.Matches(text, @"\]\(([^)\s]+)\)"))
            {
                var href = link.Groups[1].Value;
                if (Regex.IsMatch(href, "^[a-z]+:")) continue; // https:, mailto:
                var (file, anchor) = href.Split('#', 2) is [var f, var a] ? (f, a) : (href, "");
                var target = file.Length == 0 ? page : Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repository.PathOf(page))!, file))).Replace('\\', '/');
                if (!File.Exists(Repository.PathOf(target)) && !Directory.Exists(Repository.PathOf(target)))
                {
                    dead.Add($"{page}: ({href}) names {target}, which does not exist");
                }
                else if (anchor.Length > 0 && target.EndsWith(".md", StringComparison.Ordinal) && !Anchors(target).Contains(anchor))
                    dead.Add($"{page}: ({href}) names #{anchor}, which is no heading of {target}");
            }
        }
        Assert.True(dead.Count == 0, string.Join('\n', dead));
    }

    /// <summary>GitHub's anchor for each heading: lower case, punctuation dropped, spaces to hyphens.</summary>
    static HashSet<string> Anchors(string page) =>
        Regex.Matches(Regex.Replace(Repository.Read(page), "^```.*?^```", "", RegexOptions.Singleline | RegexOptions.Multiline), @"^#+\s+(.+)$", RegexOptions.Multiline)
            .Select(m => Regex.Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), @"[^\p{L}\p{N}_\- ]", "").Replace(' ', '-'))
            .ToHashSet();
}
