namespace CustomGpt.Deploy.Tests;

/// <summary>
/// A Dockerfile's build replayed once per test class (DockerBuild) into a temporary folder, and its
/// final stage started the way the image starts: ENTRYPOINT in WORKDIR with the image's ENV, except
/// HOST (127.0.0.1 in tests) and PORT (a free port, to show PORT is what the app listens on).
/// </summary>
public abstract class Image : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("customgpt-image-").FullName;

    private protected Image(string dockerfile, IReadOnlyDictionary<string, string>? replacedSources = null)
    {
        Dockerfile = new Dockerfile(Repository.PathOf(dockerfile));
        Build = new DockerBuild(Dockerfile, Path.Combine(root, "fs"), replacedSources);
        try
        {
            Build.Run();
        }
        catch
        {
            Dispose(true); // xunit does not dispose a fixture whose constructor threw
            throw;
        }
    }

    internal Dockerfile Dockerfile { get; }

    internal DockerBuild Build { get; }

    /// <summary>The final stage's WORKDIR on this machine (where the publish output landed).</summary>
    public string AppFolder => Build.FinalPath(Dockerfile.Final.WorkDir);

    protected string Scratch => root;

    /// <summary>Starts ENTRYPOINT (dotnet X.dll) with the image's ENV; container paths in values are mapped.</summary>
    public ServerProcess Start(int port, params (string Key, string Value)[] env)
    {
        var entrypoint = Dockerfile.Final.Entrypoint;
        if (entrypoint.Count != 2 || entrypoint[0] != "dotnet") throw new InvalidOperationException("ENTRYPOINT should be [\"dotnet\", \"X.dll\"]");
        var imageEnv = Dockerfile.Final.Env.Select(e => (e.Key, e.Value.StartsWith('/') ? Build.FinalPath(e.Value) : e.Value));
        return new ServerProcess(Path.Combine(AppFolder, entrypoint[1]), AppFolder,
            [.. imageEnv, ("HOST", "127.0.0.1"), ("PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. env]);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // a process still holds a file; the temp folder is cleaned later
        }
    }
}

/// <summary>Dockerfile.api replayed; the repository's model replaced by a tiny random one (fast to load).</summary>
public sealed class ApiImage : Image
{
    public const string DefaultModel = "models/custom-gpt.gguf";

    public ApiImage() : base("Dockerfile.api", new Dictionary<string, string> { [DefaultModel] = TestModels.Tiny })
    {
    }
}

/// <summary>Dockerfile.dashboard replayed.</summary>
public sealed class DashboardImage : Image
{
    public DashboardImage() : base("Dockerfile.dashboard")
    {
    }
}

/// <summary>The replayed builds run one at a time: two publishes at once on two cores only slow each other.</summary>
[CollectionDefinition(Name)]
public sealed class ImageBuilds
{
    public const string Name = "Image builds";
}
