using System.Text.Json;
using System.Text.RegularExpressions;

namespace CustomGpt.Deploy.Tests;

/// <summary>One instruction: its keyword (upper case), its flags (--from=build) and its arguments.</summary>
sealed record Instruction(string Keyword, IReadOnlyDictionary<string, string> Flags, string Arguments, int Line)
{
    /// <summary>Arguments split on whitespace, or the JSON array form (["dotnet", "X.dll"]).</summary>
    public IReadOnlyList<string> Words =>
        Arguments.TrimStart().StartsWith('[')
            ? JsonSerializer.Deserialize<string[]>(Arguments) ?? []
            : Arguments.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}

sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>ENV as the stage ends (later values win). Supports KEY=value pairs, quoted or empty.</summary>
    public IReadOnlyDictionary<string, string> Env
    {
        get
        {
            var env = new Dictionary<string, string>();
            foreach (var i in All("ENV"))
            {
                foreach (Match m in Regex.Matches(i.Arguments, """(?<k>[A-Za-z_][A-Za-z0-9_]*)=(?:"(?<v>[^"]*)"|(?<v>\S*))"""))
                    env[m.Groups["k"].Value] = m.Groups["v"].Value;
            }
            return env;
        }
    }

    public string? User => All("USER").LastOrDefault()?.Arguments.Trim();

    public string WorkDir => All("WORKDIR").LastOrDefault()?.Arguments.Trim() ?? "/";

    public IReadOnlyList<string> Entrypoint => All("ENTRYPOINT").LastOrDefault()?.Words ?? [];

    public IEnumerable<int> ExposedPorts =>
        All("EXPOSE").SelectMany(i => i.Words).Select(w => int.Parse(w.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// A small Dockerfile reader: line continuations, comments, FROM ... AS name, flags such as
/// COPY --from=build. Enough to check the files in this repository and to replay their builds.
/// </summary>
sealed class Dockerfile
{
    public Dockerfile(string path)
    {
        Path = path;
        var stages = new List<Stage>();
        string? image = null, name = null;
        var current = new List<Instruction>();
        var logical = "";
        var startLine = 0;
        var lines = File.ReadAllLines(path);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var trimmed = line.Trim();
            if (trimmed.StartsWith('#')) continue; // comments, also inside continuations
            if (logical.Length == 0)
            {
                if (trimmed.Length == 0) continue;
                startLine = n + 1;
            }
            if (trimmed.EndsWith('\\'))
            {
                logical += trimmed[..^1] + " ";
                continue;
            }
            logical += trimmed;
            var instruction = Parse(logical, startLine);
            logical = "";
            if (instruction.Keyword == "FROM")
            {
                if (image is not null) stages.Add(new Stage(image, name, current));
                var words = instruction.Words;
                image = words[0];
                name = words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                current = [];
            }
            else
            {
                if (image is null) throw new FormatException($"{path}:{startLine}: {instruction.Keyword} before FROM");
                current.Add(instruction);
            }
        }
        if (image is not null) stages.Add(new Stage(image, name, current));
        Stages = stages;
    }

    public string Path { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Final => Stages[^1];

    public Stage Named(string name) => Stages.Single(s => s.Name == name);

    static Instruction Parse(string text, int line)
    {
        var space = text.IndexOfAny([' ', '\t']);
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..].TrimStart();
        var flags = new Dictionary<string, string>();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var flag = end < 0 ? rest : rest[..end];
            var eq = flag.IndexOf('=', StringComparison.Ordinal);
            flags[eq < 0 ? flag[2..] : flag[2..eq]] = eq < 0 ? "" : flag[(eq + 1)..];
            rest = end < 0 ? "" : rest[end..].TrimStart();
        }
        return new Instruction(keyword, flags, rest, line);
    }
}
