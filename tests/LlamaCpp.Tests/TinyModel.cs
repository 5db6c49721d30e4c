using CustomGpt.LlamaCpp;
using CustomGpt.LlamaCpp.Gguf;

namespace CustomGpt.LlamaCpp.Tests;

/// <summary>One tiny random model per test run, written by our own GGUF writer.</summary>
public sealed class TinyModel : IDisposable
{
    public const string Alphabet = "the quick brown fox jumps over a lazy dog. THE END!\nçé日本語🙂";

    public TinyModel()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("customgpt-llama-tests-").FullName;
        Path = System.IO.Path.Combine(Directory, "tiny.gguf");
        LlamaModelWriter.WriteRandom(Path, ModelShape.Tiny, Vocabulary.FromCharacters(Alphabet), "tiny-test", seed: 7);
        Model = LlamaModel.Load(Path);
    }

    public string Directory { get; }
    public string Path { get; }
    public LlamaModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
