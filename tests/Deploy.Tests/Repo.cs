namespace CustomGpt.Deploy.Tests;

/// <summary>The repository the tests run from (found by walking up to CustomGpt.slnx).</summary>
static class Repo
{
    public static readonly string Root = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CustomGpt.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("CustomGpt.slnx not found above " + AppContext.BaseDirectory);
    }
}
