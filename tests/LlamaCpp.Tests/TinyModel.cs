namespace CustomGpt.LlamaCpp.Tests;

/// <summary>The tiny random model with mixed characters (tests/Shared/TestModels), loaded once per test class.</summary>
public sealed class TinyModel : IDisposable
{
    public const string Alphabet = TestModels.MixedAlphabet;

    public TinyModel()
    {
        Path = TestModels.Mixed;
        Directory = System.IO.Directory.CreateTempSubdirectory("customgpt-llama-tests-").FullName;
        Model = LlamaModel.Load(Path);
    }

    /// <summary>A scratch folder of this fixture's own, for files a test writes next to the model.</summary>
    public string Directory { get; }
    public string Path { get; }
    public LlamaModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
