namespace CustomGpt.Trainer;

/// <summary>Minimal "--name value" parsing with clear errors; no dependency needed for a handful of flags.</summary>
public sealed class CommandLine
{
    readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args, params string[] known)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..]))
                throw new UsageException($"Unknown option '{name}'. Options: {string.Join(", ", known.Select(k => "--" + k))}.");
            if (!e.MoveNext()) throw new UsageException($"'{name}' needs a value.");
            values[name[2..]] = e.Current;
        }
    }

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required.");

    public int Int(string name, int fallback, int min = 0, int max = int.MaxValue)
    {
        var raw = Get(name);
        if (raw is null) return fallback;
        return int.TryParse(raw, out var v) && v >= min && v <= max ? v : throw new UsageException($"--{name} must be a whole number from {min} to {max} (got '{raw}').");
    }

    public double Double(string name, double fallback, double min, double max)
    {
        var raw = Get(name);
        if (raw is null) return fallback;
        return double.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v : throw new UsageException($"--{name} must be a number from {min} to {max} (got '{raw}').");
    }
}
