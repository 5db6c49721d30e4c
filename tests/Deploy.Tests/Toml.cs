using System.Globalization;
using System.Text;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// The part of TOML that fly.toml uses: [tables], [[arrays of tables]] (dotted names), key = value
/// with basic and literal strings, integers, floats, booleans and one-line arrays, and comments.
/// Anything else is a FormatException, so the file cannot silently mean something else.
/// </summary>
static class Toml
{
    public static Dictionary<string, object> Parse(string text)
    {
        var root = new Dictionary<string, object>();
        var table = root;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = StripComment(raw).Trim();
            if (line.Length == 0) continue;
            try
            {
                if (line.StartsWith("[[", StringComparison.Ordinal))
                {
                    if (!line.EndsWith("]]", StringComparison.Ordinal)) throw new FormatException("unclosed [[");
                    var names = line[2..^2].Trim().Split('.');
                    var parent = Walk(root, names[..^1]);
                    if (!parent.TryGetValue(names[^1], out var existing)) parent[names[^1]] = existing = new List<Dictionary<string, object>>();
                    var list = existing as List<Dictionary<string, object>> ?? throw new FormatException($"{names[^1]} is not an array of tables");
                    table = [];
                    list.Add(table);
                }
                else if (line.StartsWith('['))
                {
                    if (!line.EndsWith(']')) throw new FormatException("unclosed [");
                    table = Walk(root, line[1..^1].Trim().Split('.'));
                }
                else
                {
                    var eq = line.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0) throw new FormatException("expected key = value");
                    var key = line[..eq].Trim().Trim('"');
                    if (table.ContainsKey(key)) throw new FormatException($"duplicate key {key}");
                    var rest = line[(eq + 1)..].Trim();
                    table[key] = Value(ref rest);
                    if (rest.Trim().Length > 0) throw new FormatException($"unexpected '{rest}' after the value");
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {lineNumber}: {e.Message}: {raw.Trim()}", e);
            }
        }
        return root;
    }

    /// <summary>A value by dotted path ("http_service.internal_port"), or null.</summary>
    public static object? Get(this Dictionary<string, object> toml, string path)
    {
        object? node = toml;
        foreach (var part in path.Split('.'))
        {
            if (node is not Dictionary<string, object> t || !t.TryGetValue(part, out node)) return null;
        }
        return node;
    }

    static Dictionary<string, object> Walk(Dictionary<string, object> root, string[] names)
    {
        var table = root;
        foreach (var raw in names)
        {
            var name = raw.Trim();
            if (!table.TryGetValue(name, out var next)) table[name] = next = new Dictionary<string, object>();
            table = next switch
            {
                Dictionary<string, object> t => t,
                List<Dictionary<string, object>> list when list.Count > 0 => list[^1],
                _ => throw new FormatException($"{name} is not a table"),
            };
        }
        return table;
    }

    static object Value(ref string text)
    {
        text = text.TrimStart();
        if (text.StartsWith('"')) return BasicString(ref text);
        if (text.StartsWith('\''))
        {
            var end = text.IndexOf('\'', 1);
            if (end < 0) throw new FormatException("unclosed string");
            var s = text[1..end];
            text = text[(end + 1)..];
            return s;
        }
        if (text.StartsWith('['))
        {
            var items = new List<object>();
            text = text[1..].TrimStart();
            while (!text.StartsWith(']'))
            {
                items.Add(Value(ref text));
                text = text.TrimStart();
                if (text.StartsWith(',')) text = text[1..].TrimStart();
                else if (!text.StartsWith(']')) throw new FormatException("expected , or ] in an array");
            }
            text = text[1..];
            return items;
        }
        var cut = text.IndexOfAny([',', ']', ' ', '\t']);
        var word = cut < 0 ? text : text[..cut];
        text = cut < 0 ? "" : text[cut..];
        if (word == "true") return true;
        if (word == "false") return false;
        var number = word.Replace("_", "", StringComparison.Ordinal);
        if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw new FormatException($"not a value: {word}");
    }

    static string BasicString(ref string text)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                text = text[(i + 1)..];
                return sb.ToString();
            }
            if (c == '\\' && i + 1 < text.Length)
            {
                var e = text[++i];
                sb.Append(e switch
                {
                    'n' => "\n",
                    't' => "\t",
                    '"' => "\"",
                    '\\' => "\\",
                    'u' when i + 4 < text.Length => ((char)Convert.ToInt32(text.Substring(i + 1, 4), 16)).ToString(),
                    _ => throw new FormatException($"unsupported escape \\{e}"),
                });
                if (e == 'u') i += 4;
                continue;
            }
            sb.Append(c);
        }
        throw new FormatException("unclosed string");
    }

    static string StripComment(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is null && c == '#') return line[..i];
            if (quote is null && c is '"' or '\'') quote = c;
            else if (quote == c && (c == '\'' || line[i - 1] != '\\')) quote = null;
        }
        return line;
    }
}
