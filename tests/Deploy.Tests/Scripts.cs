using System.Diagnostics;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// The deploy scripts run with bash on a PATH of their own: the few tools they use and, when a test
/// wants one, a stand-in gcloud that records each call and answers like the real one (a project from
/// `config get-value`, two API configs, one key, NOT_FOUND or PERMISSION_DENIED on request). The real
/// gcloud, if this machine has one, is never reached.
/// </summary>
sealed class ScriptPath : IDisposable
{
    static readonly string[] Tools = ["bash", "dirname", "sed", "grep", "cat"];

    const string FakeGcloud = """
        #!/usr/bin/env bash
        echo "$*" >> "$(dirname "$0")/gcloud.log"
        case "$*" in
          "config get-value project")
            if [ -n "${FAKE_PROJECT:-}" ]; then echo "$FAKE_PROJECT"; else echo "(unset)" >&2; fi ;;
          "api-gateway api-configs list "*) printf 'customgpt-api-v1\ncustomgpt-api-v2\n' ;;
          "services api-keys list "*) echo "projects/123/locations/global/keys/key-1" ;;
          *" delete "*)
            if [ -n "${FAKE_GONE:-}" ] && [[ "$*" == *"$FAKE_GONE"* ]]; then
              echo "ERROR: (gcloud) NOT_FOUND: Resource '$FAKE_GONE' was not found" >&2; exit 1
            fi
            if [ -n "${FAKE_DENIED:-}" ] && [[ "$*" == *"$FAKE_DENIED"* ]]; then
              echo "ERROR: (gcloud) PERMISSION_DENIED: Permission denied on '$FAKE_DENIED'" >&2; exit 1
            fi ;;
        esac
        """;

    public ScriptPath(bool withGcloud)
    {
        Folder = Directory.CreateTempSubdirectory("customgpt-script-path-").FullName;
        foreach (var tool in Tools)
        {
            var real = new[] { "/usr/bin/", "/bin/" }.Select(d => d + tool).First(File.Exists);
            File.CreateSymbolicLink(Path.Combine(Folder, tool), real);
        }
        if (withGcloud)
        {
            var gcloud = Path.Combine(Folder, "gcloud");
            File.WriteAllText(gcloud, FakeGcloud.ReplaceLineEndings("\n") + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(gcloud, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Folder { get; }

    /// <summary>The stand-in gcloud's calls, one line of arguments each, in order.</summary>
    public IReadOnlyList<string> GcloudCalls => File.Exists(Path.Combine(Folder, "gcloud.log")) ? File.ReadAllLines(Path.Combine(Folder, "gcloud.log")) : [];

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

static class Scripts
{
    /// <summary>Every setting the scripts read: removed from the inherited environment so only the test's count.</summary>
    static readonly string[] Settings =
        ["GCP_PROJECT", "PROJECT_ID", "GOOGLE_CLOUD_PROJECT", "GCP_REGION", "SERVICE", "IMAGE", "ACCESS", "API_KEY", "API_KEY_SECRET", "MASTER_KEY_SECRET",
         "DATABASE_URL_SECRET", "CLOUD_SQL_INSTANCE", "PARALLEL", "MAX_QUEUE", "THREADS", "MIN_INSTANCES", "MAX_INSTANCES", "MODEL_URL", "MODEL_SHA256",
         "CPU", "MEMORY", "TIMEOUT", "CPU_THROTTLING", "SERVICE_ACCOUNT", "GATEWAY", "API", "API_CONFIGS", "API_KEY_NAME", "GATEWAY_SA", "SERVICE_SA",
         "JOB", "BUCKET", "TEXT", "NAME", "PRESET", "MINUTES", "EPOCHS", "CONTEXT", "QUANTIZE", "SEED", "RESUME"];

    public static (int Code, string Stdout, string Stderr) Run(string script, string[] args, ScriptPath path, params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo("/bin/bash", [Repository.PathOf(script), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // the scripts find the repository themselves
        };
        foreach (var key in Settings) info.Environment.Remove(key);
        info.Environment["PATH"] = path.Folder;
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(script + " did not finish");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
