namespace CustomGpt.Tests.Shared;

/// <summary>The checkout the tests run from: the folder holding CustomGpt.slnx, found from the test's folder upwards.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>The model the repository carries (models/custom-gpt.gguf).</summary>
    public static string DefaultModel => PathOf(Path.Combine("models", "custom-gpt.gguf"));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CustomGpt.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("CustomGpt.slnx not found above " + AppContext.BaseDirectory);
    }
}
