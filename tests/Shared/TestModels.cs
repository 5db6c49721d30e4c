using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.Tests.Shared;

/// <summary>Tiny random-weight models written once per test run by our own GGUF writer.
/// Their text is random characters: tests check lengths, determinism and behaviour, not content.</summary>
public static class TestModels
{
    public const string Alphabet = "the quick brown fox jumps over a lazy dog. THE END!\n";
    public const string WideAlphabet = "日本語中文字éçüß🙂🚀";
    /// <summary>ASCII and a few multi-byte characters, for the binding's own tests.</summary>
    public const string MixedAlphabet = Alphabet + "çé日本語🙂";

    static readonly string Root = System.IO.Directory.CreateTempSubdirectory("customgpt-tests-").FullName;
    static readonly Lazy<string> tiny = new(() => Write("tiny", ModelShape.Tiny, Alphabet));
    static readonly Lazy<string> wide = new(() => Write("wide", ModelShape.Tiny, WideAlphabet));
    static readonly Lazy<string> longContext = new(() => Write("long", ModelShape.Tiny with { ContextLength = 16384 }, Alphabet));
    static readonly Lazy<string> chat = new(() => Write("chat", ModelShape.Tiny, Vocabulary.ChatMl(Alphabet)));
    static readonly Lazy<string> mixed = new(() => Write("mixed", ModelShape.Tiny, MixedAlphabet));
    static readonly Lazy<string> corrupt = new(() =>
    {
        var path = Path.Combine(Root, "corrupt.gguf");
        File.WriteAllBytes(path, [.. "GGUF"u8, 3, 0, 0, 0, .. Enumerable.Repeat((byte)0xAB, 64)]);
        return path;
    });

    /// <summary>ASCII characters, context 512.</summary>
    public static string Tiny => tiny.Value;

    /// <summary>Only multi-byte characters (2 to 4 UTF-8 bytes each) besides the byte tokens.</summary>
    public static string Wide => wide.Value;

    /// <summary>Like <see cref="Tiny"/>, with <see cref="MixedAlphabet"/>.</summary>
    public static string Mixed => mixed.Value;

    /// <summary>Like <see cref="Tiny"/>, with a chat template (ChatML) whose markers are control tokens.</summary>
    public static string Chat => chat.Value;

    /// <summary>The folder the models are written to.</summary>
    public static string Directory => Root;

    /// <summary>Context 16,384: a generation of 8,192 characters runs long enough to stop or to queue behind.</summary>
    public static string LongContext => longContext.Value;

    /// <summary>A file that starts like GGUF and is not: the model fails to load.</summary>
    public static string Corrupt => corrupt.Value;

    static string Write(string name, ModelShape shape, string alphabet) => Write(name, shape, Vocabulary.FromCharacters(alphabet));

    static string Write(string name, ModelShape shape, Vocabulary vocabulary)
    {
        var path = Path.Combine(Root, name + ".gguf");
        LlamaModelWriter.WriteRandom(path, shape, vocabulary, name, seed: 11);
        return path;
    }
}
