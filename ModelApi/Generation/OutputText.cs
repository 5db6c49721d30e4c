using System.Text;
using CustomGpt.LlamaCpp;
using CustomGpt.ModelApi.Contracts;

namespace CustomGpt.ModelApi.Generation;

/// <summary>
/// Turns sampled token bytes into the text a caller sees: whole UTF-8 characters only, cut before
/// the first stop sequence, and exactly num_chars characters (Unicode scalar values) long at most.
/// Text that might be the start of a stop sequence is held back until it is known not to be.
/// </summary>
public sealed class OutputText(int? numChars, IReadOnlyList<string> stops)
{
    readonly Utf8TextDecoder decoder = new();
    readonly StringBuilder all = new();
    string pending = "";
    int emittedChars;

    /// <summary>"stop" or "length" once the text is complete; null while it may grow.</summary>
    public string? FinishReason { get; private set; }

    /// <summary>Everything released so far.</summary>
    public string Text => all.ToString();

    /// <summary>Adds a token's bytes and returns the text that can be released now (often "").</summary>
    public string Push(ReadOnlySpan<byte> piece) => FinishReason is null ? Release(pending + decoder.Push(piece), final: false) : "";

    /// <summary>Releases whatever was held back; call when generation ends for any other reason.</summary>
    public string Complete() => FinishReason is null ? Release(pending + decoder.Flush(), final: true) : "";

    string Release(string text, bool final)
    {
        var stopAt = FirstStop(text);
        string candidate;
        if (stopAt >= 0) candidate = text[..stopAt];
        else if (final) candidate = text;
        else candidate = text[..^HeldBack(text)];

        var chars = CountChars(candidate);
        if (numChars is int limit && chars >= limit - emittedChars)
        {
            candidate = FirstChars(candidate, limit - emittedChars);
            chars = limit - emittedChars;
            FinishReason = FinishReasons.Length;
        }
        else if (stopAt >= 0)
        {
            FinishReason = FinishReasons.Stop;
        }
        pending = FinishReason is null ? text[candidate.Length..] : "";
        emittedChars += chars;
        all.Append(candidate);
        return candidate;
    }

    int FirstStop(string text)
    {
        var first = -1;
        foreach (var stop in stops)
        {
            var i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        return first;
    }

    /// <summary>The longest end of <paramref name="text"/> that could begin a stop sequence.</summary>
    int HeldBack(string text)
    {
        var hold = 0;
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, text.Length); k > hold; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k))) { hold = k; break; }
            }
        }
        // Never split a surrogate pair between two releases.
        if (hold < text.Length && char.IsHighSurrogate(text[text.Length - hold - 1])) hold++;
        return hold;
    }

    static int CountChars(string s)
    {
        var n = 0;
        foreach (var c in s) if (!char.IsLowSurrogate(c)) n++;
        return n;
    }

    static string FirstChars(string s, int count)
    {
        var i = 0;
        for (var seen = 0; i < s.Length && seen < count; i++)
        {
            if (!char.IsLowSurrogate(s[i])) seen++;
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length) i++;
        }
        return s[..i];
    }
}
