using System.Runtime.InteropServices;
using System.Text;
using CustomGpt.LlamaCpp.Native;

namespace CustomGpt.LlamaCpp;

/// <summary>A loaded GGUF model and its vocabulary. Immutable after loading, so safe to share across threads.</summary>
public sealed unsafe class LlamaModel : IDisposable
{
    readonly ModelHandle handle;
    readonly byte[][] pieces; // every token's text as UTF-8, read once so decoding needs no native call
    readonly bool[] endsGeneration;
    readonly nint vocab; // owned by the model: use it only under a Lease()

    LlamaModel(ModelHandle handle)
    {
        this.handle = handle;
        using var m = Lease();
        vocab = NativeMethods.llama_model_get_vocab(m.Ptr);
        VocabSize = NativeMethods.llama_vocab_n_tokens(vocab);
        BosToken = NativeMethods.llama_vocab_bos(vocab);
        AddsBos = NativeMethods.llama_vocab_get_add_bos(vocab);
        endsGeneration = [.. Enumerable.Range(0, VocabSize).Select(t => NativeMethods.llama_vocab_is_eog(vocab, t))];
        EndOfGenerationTokens = [.. Enumerable.Range(0, VocabSize).Where(t => endsGeneration[t])];
        pieces = new byte[VocabSize][];
        var buffer = stackalloc byte[256];
        for (var t = 0; t < VocabSize; t++)
        {
            var n = NativeMethods.llama_token_to_piece(vocab, t, buffer, 256, 0, special: false);
            pieces[t] = n > 0 ? new ReadOnlySpan<byte>(buffer, n).ToArray() : [];
        }
        LongestTokenBytes = Math.Max(1, pieces.Max(p => p.Length));
    }

    /// <summary>Holds the model alive for one native call (see <see cref="HandleLease"/>).</summary>
    internal HandleLease Lease() => new(handle);

    /// <summary>For objects that live on the model (contexts): the model is freed only after they are.</summary>
    internal ModelHandle Handle => handle;

    public int VocabSize { get; }
    public int BosToken { get; }
    /// <summary>Whether prompts start with <see cref="BosToken"/> (tokenizer.ggml.add_bos_token).</summary>
    public bool AddsBos { get; }
    /// <summary>The longest token's text in UTF-8 bytes: no token covers more characters of a text than this.</summary>
    public int LongestTokenBytes { get; }
    /// <summary>Tokens that end a generation (end-of-text, end-of-turn, ...).</summary>
    public IReadOnlyList<int> EndOfGenerationTokens { get; }
    public int TrainedContextLength { get { using var m = Lease(); return NativeMethods.llama_model_n_ctx_train(m.Ptr); } }
    public int EmbeddingLength { get { using var m = Lease(); return NativeMethods.llama_model_n_embd(m.Ptr); } }
    /// <summary>Values per attention head (the embedding split over the heads).</summary>
    public int HeadSize { get { using var m = Lease(); return NativeMethods.llama_model_n_embd(m.Ptr) / Math.Max(1, NativeMethods.llama_model_n_head(m.Ptr)); } }
    public int LayerCount { get { using var m = Lease(); return NativeMethods.llama_model_n_layer(m.Ptr); } }
    public ulong ParameterCount { get { using var m = Lease(); return NativeMethods.llama_model_n_params(m.Ptr); } }

    /// <summary>The weights' type as llama.cpp names it, e.g. "Q4_0" or "all F32".</summary>
    public string FileType
    {
        get
        {
            using var m = Lease();
            return Marshal.PtrToStringUTF8(NativeMethods.llama_ftype_name(NativeMethods.llama_model_ftype(m.Ptr))) ?? "unknown";
        }
    }

    // llama_load_mode: LLAMA_LOAD_MODE_NONE reads the file, LLAMA_LOAD_MODE_MMAP maps it.
    const int LoadModeRead = 0, LoadModeMmap = 1;

    /// <summary>Loads a GGUF file. The file is checked first so llama.cpp never sees something that is not GGUF.</summary>
    public static LlamaModel Load(string path, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        GgufFile.EnsureLooksValid(path);
        LlamaBackend.EnsureInitialized();
        var p = NativeMethods.llama_model_default_params();
        p.n_gpu_layers = 0; // CPU only
        p.load_mode = options.MapFile ? LoadModeMmap : LoadModeRead;
        p.use_extra_bufts = options.RepackWeights ? (byte)1 : (byte)0;
        var ptr = NativeMethods.llama_model_load_from_file(path, p);
        if (ptr == 0) throw new LlamaException($"llama.cpp could not load '{Path.GetFileName(path)}' (see the llama.cpp log lines for why).");
        return new LlamaModel(ModelHandle.From(ptr));
    }

    /// <summary>A metadata value of the GGUF file, e.g. "general.name", or null when absent.</summary>
    public string? Metadata(string key)
    {
        var buffer = stackalloc byte[512];
        using var m = Lease();
        var n = NativeMethods.llama_model_meta_val_str(m.Ptr, key, buffer, 512);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, Math.Min(n, 511));
    }

    public bool IsEndOfGeneration(int token) => (uint)token < (uint)endsGeneration.Length && endsGeneration[token];

    /// <summary>Text to token ids. Control tokens in user text are treated as plain text, never parsed.</summary>
    public int[] Tokenize(string text, bool addSpecial = true) => Tokenize(text, addSpecial, parseSpecial: false);

    /// <summary>
    /// A chat prompt to token ids: the template's parts may name special tokens (parsed as such), the
    /// contents never do. BOS comes once: added only when the model wants it and the template did not write it.
    /// </summary>
    public int[] Tokenize(ChatPrompt prompt)
    {
        var tokens = new List<int>();
        foreach (var part in prompt.Parts)
            if (part.Text.Length > 0) tokens.AddRange(Tokenize(part.Text, addSpecial: false, parseSpecial: part.IsTemplate));
        if (AddsBos && BosToken >= 0 && (tokens.Count == 0 || tokens[0] != BosToken)) tokens.Insert(0, BosToken);
        return [.. tokens];
    }

    int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        // Usually a token is at least one byte, plus room for BOS/EOS; a vocabulary that prefixes a space or falls
        // back to bytes may need more, and llama_tokenize then answers minus the count it needs: ask once more.
        var n = Tokenize(utf8, new int[utf8.Length + 2], addSpecial, parseSpecial, out var tokens);
        if (n < 0) n = Tokenize(utf8, new int[-n], addSpecial, parseSpecial, out tokens);
        if (n < 0) throw new LlamaException($"Tokenizing failed ({n}).");
        return tokens.AsSpan(0, n).ToArray();
    }

    int Tokenize(byte[] utf8, int[] buffer, bool addSpecial, bool parseSpecial, out int[] tokens)
    {
        tokens = buffer;
        using (Lease())
        fixed (byte* t = utf8)
        fixed (int* o = buffer)
            return NativeMethods.llama_tokenize(vocab, t, utf8.Length, o, buffer.Length, addSpecial, parseSpecial);
    }

    /// <summary>The UTF-8 bytes of one token. May be part of a multi-byte character.</summary>
    public ReadOnlySpan<byte> TokenBytes(int token) =>
        (uint)token < (uint)pieces.Length ? pieces[token] : throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids run from 0 to {VocabSize - 1}.");

    /// <summary>Joins tokens into text (for display and tests); invalid UTF-8 becomes U+FFFD.</summary>
    public string Detokenize(IEnumerable<int> tokens)
    {
        var text = new Utf8TextDecoder();
        var sb = new StringBuilder();
        foreach (var t in tokens) sb.Append(text.Push(TokenBytes(t)));
        return sb.Append(text.Flush()).ToString();
    }

    public void Dispose() => handle.Dispose();
}
