using System.Text;
using System.Text.RegularExpressions;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// .dockerignore as Docker reads it: one pattern a line, paths relative to the context root,
/// '*' and '?' within a path segment, '**' across segments, '!' re-includes, the last match wins.
/// </summary>
sealed class DockerIgnore
{
    readonly List<(Regex Pattern, bool Exclude)> rules = [];

    public DockerIgnore(string path)
    {
        foreach (var raw in File.Exists(path) ? File.ReadAllLines(path) : [])
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclude = !line.StartsWith('!');
            var pattern = (exclude ? line : line[1..]).Trim().Trim('/');
            if (pattern.StartsWith("./", StringComparison.Ordinal)) pattern = pattern[2..];
            rules.Add((new Regex("^" + ToRegex(pattern) + "$"), exclude));
        }
    }

    /// <summary>
    /// Whether a context-relative path (with '/') is left out of the build context: the last rule that
    /// matches the path or one of its parent folders decides (as Docker's pattern matcher does).
    /// </summary>
    public bool Excludes(string relativePath)
    {
        var parts = relativePath.Replace('\\', '/').Trim('/').Split('/');
        var prefixes = Enumerable.Range(1, parts.Length).Select(n => string.Join('/', parts.Take(n))).ToList();
        var excluded = false;
        foreach (var (pattern, exclude) in rules)
        {
            if (prefixes.Any(pattern.IsMatch)) excluded = exclude;
        }
        return excluded;
    }

    static string ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                {
                    i++;
                    sb.Append("(?:.*/)?"); // **/ : any number of folders, also none
                }
                else
                {
                    sb.Append(".*");
                }
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}
