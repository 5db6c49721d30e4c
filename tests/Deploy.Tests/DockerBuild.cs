using System.Diagnostics;
using System.Text;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// Replays a Dockerfile on this machine, without a Docker engine: every stage gets a folder that
/// stands in for its file system root; WORKDIR and COPY (from the build context through
/// .dockerignore, or --from another stage) are done as Docker does them, and RUN lines that call
/// `dotnet` run for real on the local SDK with container paths mapped into that folder. Other RUN
/// lines (apt-get) are skipped: the local machine already has what they install. The local llama.cpp
/// cache is passed in so nothing is downloaded.
/// </summary>
sealed class DockerBuild
{
    readonly Dockerfile file;
    readonly string root;
    readonly DockerIgnore ignore;
    readonly IReadOnlyDictionary<string, string> replacedSources;
    readonly Dictionary<string, string> stageRoots = [];
    readonly StringBuilder log = new();

    /// <param name="replacedSources">Context paths whose content comes from elsewhere (a tiny model instead of the real one).</param>
    public DockerBuild(Dockerfile file, string root, IReadOnlyDictionary<string, string>? replacedSources = null)
    {
        this.file = file;
        this.root = root;
        this.replacedSources = replacedSources ?? new Dictionary<string, string>();
        ignore = new DockerIgnore(Repository.PathOf(".dockerignore"));
    }

    public string Log => log.ToString();

    /// <summary>A container path of the final stage, on this machine.</summary>
    public string FinalPath(string containerPath) => Map(stageRoots[Key(file.Stages.Count - 1)], containerPath);

    public void Run()
    {
        for (var i = 0; i < file.Stages.Count; i++)
        {
            var stage = file.Stages[i];
            var stageRoot = Path.Combine(root, Key(i));
            Directory.CreateDirectory(stageRoot);
            stageRoots[Key(i)] = stageRoot;
            if (stage.Name is not null) stageRoots[stage.Name] = stageRoot;
            var workdir = "/";
            foreach (var instruction in stage.Instructions)
            {
                switch (instruction.Keyword)
                {
                    case "WORKDIR":
                        workdir = Combine(workdir, instruction.Arguments.Trim());
                        Directory.CreateDirectory(Map(stageRoot, workdir));
                        break;
                    case "COPY":
                        Copy(instruction, stageRoot, workdir);
                        break;
                    case "RUN":
                        Execute(instruction, stageRoot, workdir);
                        break;
                }
            }
        }
    }

    /// <summary>A COPY source as a path in the build context ("./x" and "/x" are "x"; "." is "").</summary>
    public static string ContextRelative(string source)
    {
        var path = source.Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        path = path.TrimStart('/');
        return path == "." ? "" : path.TrimEnd('/');
    }

    static string Key(int index) => "stage" + index;

    static string Combine(string workdir, string path) => path.StartsWith('/') ? path : workdir.TrimEnd('/') + "/" + path;

    static string Map(string stageRoot, string containerPath) =>
        Path.GetFullPath(Path.Combine(stageRoot, containerPath.TrimStart('/')));

    void Copy(Instruction copy, string stageRoot, string workdir)
    {
        var words = copy.Words;
        if (words.Count < 2) throw new FormatException($"{file.Path}:{copy.Line}: COPY needs a source and a destination");
        var sources = words.Take(words.Count - 1).ToList();
        var destination = Combine(workdir, words[^1]);
        var intoFolder = words[^1].EndsWith('/') || sources.Count > 1;
        var target = Map(stageRoot, destination);
        foreach (var source in sources)
        {
            if (copy.Flags.TryGetValue("from", out var from))
            {
                var path = Map(stageRoots.TryGetValue(from, out var r) ? r : throw new FormatException($"COPY --from={from}: no such stage"), source);
                CopyPath(path, null, target, intoFolder);
                continue;
            }
            var relative = ContextRelative(source);
            if (replacedSources.TryGetValue(relative, out var replacement))
            {
                CopyPath(replacement, null, intoFolder ? Path.Combine(target, Path.GetFileName(relative)) : target, intoFolder: false);
                continue;
            }
            var full = Repository.PathOf(relative);
            if (relative.Length > 0 && ignore.Excludes(relative))
                throw new InvalidOperationException($"{Path.GetFileName(file.Path)}:{copy.Line}: COPY {source}: excluded by .dockerignore, so the build would fail");
            if (!File.Exists(full) && !Directory.Exists(full))
                throw new InvalidOperationException($"{Path.GetFileName(file.Path)}:{copy.Line}: COPY {source}: not in the build context, so the build would fail");
            CopyPath(full, relative, target, intoFolder);
        }
    }

    /// <summary>Docker's COPY: a folder's contents go into the target folder; a file goes to the target
    /// (or into it when it is a folder). Context files pass through .dockerignore.</summary>
    void CopyPath(string source, string? contextRelative, string target, bool intoFolder)
    {
        if (File.Exists(source))
        {
            var destination = intoFolder || Directory.Exists(target) ? Path.Combine(target, Path.GetFileName(source)) : target;
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            return;
        }
        Directory.CreateDirectory(target);
        foreach (var entry in Directory.EnumerateFileSystemEntries(source))
        {
            var name = Path.GetFileName(entry);
            var relative = contextRelative is null ? null : (contextRelative.Length == 0 ? name : contextRelative.TrimEnd('/') + "/" + name);
            if (relative is not null && ignore.Excludes(relative)) continue;
            if (File.Exists(entry)) File.Copy(entry, Path.Combine(target, name), overwrite: true);
            else CopyPath(entry, relative, Path.Combine(target, name), intoFolder: false);
        }
    }

    void Execute(Instruction run, string stageRoot, string workdir)
    {
        var words = run.Words;
        if (words.Count == 0 || words[0] != "dotnet" || run.Arguments.Contains("&&", StringComparison.Ordinal))
        {
            log.AppendLine($"skipped: RUN {run.Arguments}");
            return;
        }
        var args = words.Skip(1).Select(w => w.StartsWith('/') ? Map(stageRoot, w) : w).ToList();
        // No download (the local cache of the pinned libraries) and no build servers left behind.
        args.AddRange([$"-p:CustomGptNativeCache={Repository.PathOf(".native")}/", "-nodeReuse:false", "-p:UseRazorBuildServer=false", "-p:UseSharedCompilation=false"]);
        var info = new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = Map(stageRoot, workdir),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The test host inherits MSBuild's variables from `dotnet test`; a nested build must not.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        log.AppendLine($"RUN dotnet {string.Join(' ', args)}");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"RUN {run.Arguments} took more than 10 minutes");
        }
        log.AppendLine(stdout.Result).AppendLine(stderr.Result);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file.Path)}:{run.Line}: RUN {run.Arguments} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
    }
}
