using System.Security.Cryptography;
using System.Text;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Trainer.Training;

/// <summary>
/// A UTF-8 text, its character vocabulary (llama.cpp-compatible, see <see cref="Vocabulary.FromCharacters"/>)
/// and the text as token ids: one token per character.
/// </summary>
public sealed class CharCorpus
{
    public const int MaxVocabulary = 50_000;

    CharCorpus(string path, string text, long bytes)
    {
        Path = path;
        Text = text;
        Bytes = bytes;
        Vocabulary = Vocabulary.FromCharacters(text);
        if (Vocabulary.Count > MaxVocabulary)
            throw new TrainingInputException($"'{path}' has {Vocabulary.PieceCount:N0} distinct characters; a character vocabulary takes at most {MaxVocabulary - Vocabulary.FixedTokenCount:N0}.");
        var ids = new Dictionary<int, int>();
        for (var id = 0; id < Vocabulary.Count; id++)
            if (Vocabulary.PieceText(id) is { } piece) ids[Rune.GetRuneAt(piece, 0).Value] = id;
        runeIds = ids;
        Tokens = Encode(text);
        LineStarts = FindLineStarts(Tokens, ids.GetValueOrDefault('\n', -1));
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    readonly Dictionary<int, int> runeIds;

    public string Path { get; }
    public string Text { get; }
    public long Bytes { get; }
    public Vocabulary Vocabulary { get; }
    /// <summary>The text as token ids (one per character).</summary>
    public int[] Tokens { get; }
    /// <summary>Token positions that begin a line: the first token and every token after a newline.</summary>
    public int[] LineStarts { get; }
    /// <summary>Of the text after normalisation: a checkpoint only resumes on the same text.</summary>
    public string Sha256 { get; }

    /// <summary>Reads and checks a training text. Line endings become \n; a UTF-8 BOM is dropped.</summary>
    public static CharCorpus Load(string path)
    {
        if (Directory.Exists(path)) throw new TrainingInputException($"--text: '{path}' is a folder, not a text file.");
        if (!File.Exists(path)) throw new TrainingInputException($"--text: file not found: {path}");
        byte[] bytes;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > 1L << 30) throw new TrainingInputException($"--text: '{path}' is {length / 1e9:F1} GB; the trainer reads at most 1 GB.");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingInputException($"--text: cannot read '{path}': {e.Message}");
        }
        if (bytes.Length == 0) throw new TrainingInputException($"--text: '{path}' is empty.");
        if (Array.IndexOf(bytes, (byte)0) >= 0)
            throw new TrainingInputException($"--text: '{path}' looks binary (it contains NUL bytes); the trainer needs plain UTF-8 text.");
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new TrainingInputException($"--text: '{path}' is not valid UTF-8 text (binary, or another encoding).");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (string.IsNullOrWhiteSpace(text)) throw new TrainingInputException($"--text: '{path}' holds only whitespace.");
        var control = text.Count(c => char.IsControl(c) && c is not ('\n' or '\t' or '\f'));
        if (control > text.Length / 100)
            throw new TrainingInputException($"--text: '{path}' looks binary ({control:N0} control characters); the trainer needs plain UTF-8 text.");
        return new CharCorpus(path, text, bytes.Length);
    }

    /// <summary>Text to token ids with this vocabulary; characters it lacks are an error.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!runeIds.TryGetValue(rune.Value, out var id))
                throw new TrainingInputException($"The character U+{rune.Value:X4} is not in the vocabulary.");
            ids.Add(id);
        }
        return [.. ids];
    }

    /// <summary>Token ids back to text (the text's own pieces; other tokens are skipped).</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        foreach (var id in ids) sb.Append(Vocabulary.PieceText(id));
        return sb.ToString();
    }

    static int[] FindLineStarts(int[] tokens, int newline)
    {
        var starts = new List<int> { 0 };
        if (newline < 0) return [.. starts];
        for (var i = 0; i + 1 < tokens.Length; i++)
            if (tokens[i] == newline) starts.Add(i + 1);
        return [.. starts];
    }
}
