namespace CustomGpt.Deploy.Tests;

/// <summary>What each Dockerfile promises, read from the file: ports, user, entrypoint, build inputs.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "Dockerfile.api", "ModelApi/ModelApi.csproj" },
        { "Dockerfile.dashboard", "Dashboard/Dashboard.csproj" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_runtime_listens_on_0_0_0_0_and_PORT_8080_which_it_exposes(string dockerfile, string project)
    {
        _ = project;
        var final = new Dockerfile(Repository.PathOf(dockerfile)).Final;
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", final.Image);
        Assert.Equal("0.0.0.0", final.Env["HOST"]);
        Assert.Equal("8080", final.Env["PORT"]);
        Assert.Equal([8080], final.ExposedPorts);
        // The base image's ASPNETCORE_HTTP_PORTS=8080 would be a second, silent source of truth.
        Assert.Equal("", final.Env["ASPNETCORE_HTTP_PORTS"]);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_runtime_runs_as_a_non_root_user(string dockerfile, string project)
    {
        _ = project;
        var user = new Dockerfile(Repository.PathOf(dockerfile)).Final.User;
        Assert.False(string.IsNullOrEmpty(user), $"{dockerfile}: no USER, so the app runs as root");
        var name = user!.Split(':')[0];
        Assert.DoesNotContain(name, (string[])["root", "0"]);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_entrypoint_starts_the_dll_of_the_project_the_build_stage_publishes_into_the_runtime_workdir(string dockerfile, string project)
    {
        var file = new Dockerfile(Repository.PathOf(dockerfile));
        var build = file.Stages[0];
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.Image);
        var publish = build.All("RUN").Select(r => r.Words).Single(w => w.Count > 2 && w[0] == "dotnet" && w[1] == "publish");
        Assert.Equal(project, publish[2]);
        var output = publish[publish.ToList().IndexOf("-o") + 1];

        var final = file.Final;
        var copied = final.All("COPY").Single(c => c.Flags.TryGetValue("from", out var from) && from == build.Name);
        Assert.Equal(output, copied.Words[0]);
        Assert.Equal(final.WorkDir, output);
        Assert.Equal(["dotnet", Path.GetFileNameWithoutExtension(project) + ".dll"], final.Entrypoint);
        Assert.True(File.Exists(Repository.PathOf(project)));
    }

    [Fact]
    public void The_api_build_stage_has_npm_for_the_pinned_llama_cpp_download()
    {
        var build = new Dockerfile(Repository.PathOf("Dockerfile.api")).Stages[0];
        Assert.Contains(build.All("RUN"), r => r.Arguments.Contains("apt-get install", StringComparison.Ordinal) && r.Words.Contains("npm"));
        // The download and its checksum are the project build's own (LlamaNative.targets), not the Dockerfile's.
        Assert.Contains("<LlamaNativeSha256>", Repository.Read("LlamaCpp/LlamaNative.targets"), StringComparison.Ordinal);
    }

    /// <summary>A COPY of a file that is missing or ignored fails `docker build`; catch it here.</summary>
    [Theory]
    [MemberData(nameof(Images))]
    public void Every_COPY_source_is_in_the_build_context(string dockerfile, string project)
    {
        _ = project;
        var ignore = new DockerIgnore(Repository.PathOf(".dockerignore"));
        var problems = new List<string>();
        foreach (var stage in new Dockerfile(Repository.PathOf(dockerfile)).Stages)
        {
            foreach (var copy in stage.All("COPY").Where(c => !c.Flags.ContainsKey("from")))
            {
                foreach (var source in copy.Words.Take(copy.Words.Count - 1))
                {
                    var relative = DockerBuild.ContextRelative(source);
                    if (!File.Exists(Repository.PathOf(relative)) && !Directory.Exists(Repository.PathOf(relative))) problems.Add($"line {copy.Line}: {source} does not exist");
                    else if (relative.Length > 0 && ignore.Excludes(relative)) problems.Add($"line {copy.Line}: {source} is excluded by .dockerignore");
                }
            }
        }
        Assert.True(problems.Count == 0, $"{dockerfile}: docker build would fail: " + string.Join("; ", problems));
    }

    /// <summary>The build stage must copy every project the published one references, and the repository's
    /// build settings (the analyzer settings in .editorconfig decide whether warnings, which are errors, appear).</summary>
    [Theory]
    [MemberData(nameof(Images))]
    public void The_build_stage_copies_the_repository_build_files_and_every_referenced_project(string dockerfile, string project)
    {
        var build = new Dockerfile(Repository.PathOf(dockerfile)).Stages[0];
        var copied = build.All("COPY").SelectMany(c => c.Words.Take(c.Words.Count - 1)).Select(s => s.TrimEnd('/')).ToHashSet();
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
            Assert.Contains(file, copied);
        foreach (var folder in ProjectClosure(project).Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/')))
            Assert.Contains(folder, copied);
    }

    [Fact]
    public void The_dockerignore_keeps_build_outputs_and_tests_out_and_sources_in()
    {
        var ignore = new DockerIgnore(Repository.PathOf(".dockerignore"));
        foreach (var path in new[] { "ModelApi/bin/Release/net10.0/ModelApi.dll", "LlamaCpp/obj/project.assets.json", ".native/llama-linux-x64-3.22.1/libllama.v0.5.0.so", "tests/ModelApi.Tests/HealthTests.cs", "artifacts/run/x", ".git/HEAD", "models/bench.gguf" })
            Assert.True(ignore.Excludes(path), path + " should stay out of the build context");
        foreach (var path in new[] { "ModelApi/Program.cs", "LlamaCpp/LlamaNative.targets", "Dashboard/wwwroot/app.css", "models/custom-gpt.gguf", "Directory.Build.props", ".editorconfig" })
            Assert.False(ignore.Excludes(path), path + " is needed in the build context");
    }

    /// <summary>The project and, recursively, the projects it references (repository-relative paths).</summary>
    static List<string> ProjectClosure(string project)
    {
        var result = new List<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (result.Contains(next)) continue;
            result.Add(next);
            var folder = Path.GetDirectoryName(next)!;
            foreach (var reference in System.Xml.Linq.XDocument.Load(Repository.PathOf(next)).Descendants("ProjectReference"))
            {
                var path = Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Repository.Root, folder, reference.Attribute("Include")!.Value)));
                pending.Push(path.Replace('\\', '/'));
            }
        }
        return result;
    }
}
