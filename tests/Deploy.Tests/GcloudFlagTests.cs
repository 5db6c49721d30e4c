using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace CustomGpt.Deploy.Tests;

/// <summary>
/// Where gcloud is installed (it is on this workplace's machines, without an account): every flag the
/// scripts print in a dry run is one the installed gcloud documents for that command (`gcloud ... --help`
/// works offline). Catches a misspelt or retired flag, e.g. the probe flags older gclouds lack.
/// Without gcloud the test says so in its output and checks nothing.
/// </summary>
public sealed class GcloudFlagTests(ITestOutputHelper output)
{
    /// <summary>Flags every gcloud command takes, which its own help lists only as GCLOUD_WIDE_FLAG.</summary>
    static readonly string[] GcloudWide = ["--project", "--quiet", "--format", "--verbosity", "--account"];

    [Fact]
    public void Every_flag_the_dry_runs_print_is_one_the_installed_gcloud_documents()
    {
        var gcloud = new[] { "/usr/bin/gcloud", "/usr/local/bin/gcloud", "/usr/lib/google-cloud-sdk/bin/gcloud" }.FirstOrDefault(File.Exists);
        if (gcloud is null)
        {
            output.WriteLine("gcloud is not installed here: flags not checked against its help.");
            return;
        }
        var lines = new List<string>();
        var (code, stdout, stderr) = CloudRunTests.Deploy(["--build", "--dry-run"], ("GCP_PROJECT", "p"), ("API_KEY_SECRET", "k"), ("MASTER_KEY_SECRET", "m"),
            ("CLOUD_SQL_INSTANCE", "p:r:i"), ("SERVICE_ACCOUNT", "sa@p.iam.gserviceaccount.com"), ("MODEL_URL", "gs://b/m.gguf"));
        Assert.True(code == 0, stderr);
        lines.AddRange(stdout.Trim().Split('\n'));
        using (var path = new ScriptPath(withGcloud: true))
        {
            (code, stdout, stderr) = Scripts.Run("deploy/cloudrun/teardown.sh", ["--dry-run"], path, ("GCP_PROJECT", "p"));
            Assert.True(code == 0, stderr);
            lines.AddRange(stdout.Trim().Split('\n'));
        }

        // The commands the troubleshooting table (docs/operations.md) tells you to type.
        var operations = Repository.Read("docs/operations.md");
        var troubleshooting = operations[operations.IndexOf("\n## Troubleshooting", StringComparison.Ordinal)..];
        troubleshooting = troubleshooting[..troubleshooting.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        var typed = Regex.Matches(troubleshooting, "`(gcloud [^`]+)`").Select(m => m.Groups[1].Value).Where(c => c.Contains(" --", StringComparison.Ordinal)).ToList();
        Assert.Contains(typed, c => c.Contains(" logs tail ", StringComparison.Ordinal));
        Assert.Contains(typed, c => c.Contains(" logs read ", StringComparison.Ordinal));
        lines.AddRange(typed);

        var config = Directory.CreateTempSubdirectory("customgpt-gcloud-config-").FullName;
        try
        {
            foreach (var line in lines)
            {
                var words = line.Split(' ');
                Assert.Equal("gcloud", words[0]);
                var command = words.Skip(1).TakeWhile(w => Regex.IsMatch(w, "^[a-z][a-z-]*$")).ToList();
                var help = Help(gcloud, config, command);
                foreach (var flag in words.Where(w => w.StartsWith("--", StringComparison.Ordinal)).Select(w => w.Split('=')[0]))
                {
                    if (GcloudWide.Contains(flag)) continue;
                    var documented = help.Contains(flag, StringComparison.Ordinal)
                        || (flag.StartsWith("--no-", StringComparison.Ordinal) && help.Contains("--[no-]" + flag[5..], StringComparison.Ordinal))
                        || help.Contains("--[no-]" + flag[2..], StringComparison.Ordinal);
                    Assert.True(documented, $"gcloud {string.Join(' ', command)}: {flag} is not in the installed gcloud's help");
                }
                output.WriteLine($"checked: gcloud {string.Join(' ', command)}");
            }
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    /// <summary>`gcloud COMMAND --help` as plain text, with a throwaway configuration folder.</summary>
    static string Help(string gcloud, string config, List<string> command)
    {
        var info = new ProcessStartInfo(gcloud, [.. command, "--help"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["CLOUDSDK_CONFIG"] = config;
        info.Environment["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1";
        info.Environment["PAGER"] = "cat";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("gcloud --help did not finish");
        }
        Assert.True(process.ExitCode == 0, $"gcloud {string.Join(' ', command)} --help exited {process.ExitCode}");
        return Regex.Replace(stdout.Result, "\u001b\\[[0-9;]*m", "");
    }
}
