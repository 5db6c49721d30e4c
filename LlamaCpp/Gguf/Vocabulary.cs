namespace CustomGpt.LlamaCpp.Gguf;

/// <summary>
/// A llama-style (SentencePiece) vocabulary that round-trips exactly through llama.cpp:
/// &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then the text's own pieces.
/// Spaces are written as U+2581 as SentencePiece does.
/// </summary>
public sealed class Vocabulary
{
    public const int Unknown = 0, Bos = 1, Eos = 2;
    /// <summary>Tokens every vocabulary starts with: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; and the 256 byte tokens.</summary>
    public const int FixedTokenCount = 3 + 256;
    const int TypeNormal = 1, TypeUnknown = 2, TypeControl = 3, TypeByte = 6;
    const char SpaceMark = '\u2581';

    readonly List<string> tokens = [];
    readonly List<float> scores = [];
    readonly List<int> types = [];

    Vocabulary()
    {
        AddSpecial("<unk>", TypeUnknown);
        AddSpecial("<s>", TypeControl);
        AddSpecial("</s>", TypeControl);
        for (var b = 0; b < 256; b++) AddSpecial($"<0x{b:X2}>", TypeByte);
    }

    /// <summary>Written as tokenizer.chat_template when set: the Jinja template chat front ends render.</summary>
    public string? ChatTemplate { get; init; }

    public int Count => tokens.Count;
    /// <summary>The text's own pieces (for a character vocabulary: its distinct characters).</summary>
    public int PieceCount { get; private set; }

    /// <summary>The text a piece stands for (spaces as spaces); null for the fixed and control tokens.</summary>
    public string? PieceText(int id) =>
        (uint)id < (uint)Count && types[id] == TypeNormal ? tokens[id].Replace(SpaceMark, ' ') : null;

    /// <summary>One token per distinct character of <paramref name="text"/>, most frequent first, after
    /// <paramref name="controlTokens"/> (e.g. a chat template's markers, which only templates may produce).</summary>
    public static Vocabulary FromCharacters(string text, IReadOnlyList<string>? controlTokens = null, string? chatTemplate = null)
    {
        var counts = new Dictionary<string, int>();
        foreach (var rune in text.EnumerateRunes())
        {
            var s = rune.ToString();
            counts[s] = counts.GetValueOrDefault(s) + 1;
        }
        var v = new Vocabulary { ChatTemplate = chatTemplate };
        foreach (var control in controlTokens ?? []) v.AddSpecial(control, TypeControl);
        foreach (var piece in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key))
            v.AddPiece(piece);
        return v;
    }

    /// <summary>ChatML (the format of many chat models), as a Jinja template llama.cpp recognises.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>A character vocabulary for a chat model: ChatML's markers as control tokens and its template.</summary>
    public static Vocabulary ChatMl(string text) => FromCharacters(text, ["<|im_start|>", "<|im_end|>"], ChatMlTemplate);

    /// <summary>A vocabulary of exactly <paramref name="size"/> tokens: printable ASCII, then
    /// letter pairs and triples. For benchmark models that need a realistic vocabulary size.</summary>
    public static Vocabulary Synthetic(int size)
    {
        var v = new Vocabulary();
        IEnumerable<string> Pieces()
        {
            for (var c = ' '; c <= '~'; c++) yield return c.ToString();
            yield return "\n";
            const string letters = "abcdefghijklmnopqrstuvwxyz";
            foreach (var a in letters) foreach (var b in letters) yield return $"{a}{b}";
            foreach (var a in letters) foreach (var b in letters) foreach (var c in letters) yield return $"{a}{b}{c}";
            foreach (var a in letters) foreach (var b in letters) foreach (var c in letters) foreach (var d in letters) yield return $"{a}{b}{c}{d}";
        }
        foreach (var piece in Pieces())
        {
            if (v.Count >= size) break;
            v.AddPiece(piece);
        }
        if (v.Count != size) throw new ArgumentOutOfRangeException(nameof(size), size, $"A vocabulary needs at least {v.Count} tokens.");
        return v;
    }

    void AddSpecial(string text, int type)
    {
        tokens.Add(text);
        scores.Add(0);
        types.Add(type);
    }

    void AddPiece(string piece)
    {
        tokens.Add(piece.Replace(' ', SpaceMark));
        scores.Add(-tokens.Count);
        types.Add(TypeNormal);
        PieceCount++;
    }

    /// <summary>Writes the tokenizer.ggml.* keys (and tokenizer.chat_template when there is one).</summary>
    public void WriteTo(GgufWriter gguf)
    {
        if (ChatTemplate is not null) gguf.Add("tokenizer.chat_template", ChatTemplate);
        gguf
        .Add("tokenizer.ggml.model", "llama")
        .Add("tokenizer.ggml.pre", "default")
        .Add("tokenizer.ggml.tokens", tokens)
        .Add("tokenizer.ggml.scores", scores)
        .Add("tokenizer.ggml.token_type", types)
        .Add("tokenizer.ggml.unknown_token_id", (uint)Unknown)
        .Add("tokenizer.ggml.bos_token_id", (uint)Bos)
        .Add("tokenizer.ggml.eos_token_id", (uint)Eos)
        .Add("tokenizer.ggml.add_bos_token", false)
        .Add("tokenizer.ggml.add_eos_token", false)
        // With a space prefix, joining the pieces would no longer give the input back.
        .Add("tokenizer.ggml.add_space_prefix", false);
    }
}
