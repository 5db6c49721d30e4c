using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Tiny random models written once per test run by our own GGUF writer.</summary>
public static class TestModels
{
    public const string Alphabet = "the quick brown fox jumps over a lazy dog. THE END!\n";
    public const string WideAlphabet = "日本語中文字éçüß🙂🚀";

    static readonly string Root = System.IO.Directory.CreateTempSubdirectory("customgpt-api-tests-").FullName;
    static readonly Lazy<string> tiny = new(() => Write("tiny", ModelShape.Tiny, Alphabet));
    static readonly Lazy<string> wide = new(() => Write("wide", ModelShape.Tiny, WideAlphabet));
    static readonly Lazy<string> longContext = new(() => Write("long", ModelShape.Tiny with { ContextLength = 16384 }, Alphabet));

    /// <summary>ASCII characters, context 512.</summary>
    public static string Tiny => tiny.Value;

    /// <summary>Only multi-byte characters (2 to 4 UTF-8 bytes each) besides the byte tokens.</summary>
    public static string Wide => wide.Value;

    /// <summary>A context of 16,384: a generation that runs long enough to be cancelled or to queue behind.</summary>
    public static string LongContext => longContext.Value;

    public static string Corrupt { get; } = WriteCorrupt();

    public static string Directory => Root;

    static string Write(string name, ModelShape shape, string alphabet)
    {
        var path = Path.Combine(Root, name + ".gguf");
        LlamaModelWriter.WriteRandom(path, shape, Vocabulary.FromCharacters(alphabet), name, seed: 11);
        return path;
    }

    static string WriteCorrupt()
    {
        var path = Path.Combine(Root, "corrupt.gguf");
        File.WriteAllBytes(path, [.. "GGUF"u8, 3, 0, 0, 0, .. Enumerable.Repeat((byte)0xAB, 64)]);
        return path;
    }
}
