using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CustomGpt.Trainer.Tests;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>
/// The official OpenAI Node SDK (npm "openai", pinned in Training/OpenAiNode/package.json) drives the training routes end
/// to end: files.create, fineTuning.jobs.create, .listEvents, .retrieve, .cancel, and a 400 as its BadRequestError.
/// The package is installed from the npm registry into the test's output folder the first time (a clean checkout has none).
/// </summary>
public class TrainingNodeSdkTests(TrainingServer api) : IClassFixture<TrainingServer>
{
    static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "OpenAiNode");

    [Fact]
    public async Task The_OpenAI_Node_SDK_uploads_a_text_starts_a_job_reads_its_events_and_cancels_it()
    {
        EnsureSdk();
        var text = Path.Combine(api.DataDir, "bible.txt");
        await File.WriteAllTextAsync(text, TestTexts.Sentences(20_000));
        var (exit, output) = Run("node", ["drive.mjs"], ("BASE_URL", new Uri(api.Server.Address, "v1").ToString()), ("API_KEY", Keys.Master), ("TEXT_PATH", text));
        Assert.True(exit == 0, output);
        var summary = JsonDocument.Parse(output.Split('\n').Last(l => l.StartsWith('{'))).RootElement;

        Assert.Equal("fine-tune", summary.GetProperty("file").GetProperty("purpose").GetString());
        Assert.Equal(new FileInfo(text).Length, summary.GetProperty("file").GetProperty("bytes").GetInt64());
        Assert.Equal("custom-gpt-tiny", summary.GetProperty("job").GetProperty("model").GetString());
        Assert.Equal("running", summary.GetProperty("running").GetProperty("status").GetString());
        Assert.True(summary.GetProperty("running").GetProperty("trained_tokens").GetInt64() > 0);
        Assert.True(summary.GetProperty("metrics").GetArrayLength() >= 2);
        Assert.Equal("cancelled", summary.GetProperty("cancelled").GetProperty("status").GetString());
        Assert.Equal(400, summary.GetProperty("badRequest").GetProperty("status").GetInt32());
        Assert.Equal("BadRequestError", summary.GetProperty("badRequest").GetProperty("name").GetString());

        // What the SDK did is what the server holds: the job cancelled, its checkpoint kept.
        var job = await api.WaitForJobAsync(summary.GetProperty("job").GetProperty("id").GetString()!, j => j.GetProperty("resumable").GetBoolean());
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
    }

    /// <summary>npm install in the output folder unless the package is there already.</summary>
    static void EnsureSdk()
    {
        if (File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json"))) return;
        var (exit, output) = Run("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"]);
        Assert.True(exit == 0, "npm install failed:\n" + output);
    }

    static (int Exit, string Output) Run(string file, string[] args, params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo(file, args) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) p.Kill(entireProcessTree: true); // a hang guard
        p.WaitForExit();
        lock (output) return (p.HasExited ? p.ExitCode : -1, output.ToString().TrimEnd());
    }
}
