namespace CustomGpt.Tests.Shared;

/// <summary>
/// How much of a text is real words of the default model's source: kjv-common-words.txt holds the 3,000
/// most frequent words of the King James Bible (96% of its running text), lower case. Projects that use
/// this copy the list to their output folder.
/// </summary>
public static class KnownWords
{
    static readonly Lazy<IReadOnlySet<string>> kjv = new(() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "kjv-common-words.txt")).Where(w => w.Length > 0).ToHashSet());

    public static IReadOnlySet<string> Kjv => kjv.Value;

    /// <summary>The share of words in <paramref name="text"/> (letters and apostrophes) found in the list.
    /// The last word is left out when <paramref name="cutOff"/>: a text cut at a length may end mid-word.</summary>
    public static double Share(string text, bool cutOff = false)
    {
        var words = text.Split((char[])[' ', '\n', '\t', ',', '.', ';', ':', '?', '!', '(', ')', '"'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('\'').ToLowerInvariant()).Where(w => w.Length > 0).ToList();
        if (cutOff && words.Count > 1) words.RemoveAt(words.Count - 1);
        return words.Count == 0 ? 0 : words.Count(Kjv.Contains) / (double)words.Count;
    }
}
