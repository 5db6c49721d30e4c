using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomGpt.ModelApi.Tests;

/// <summary>docs/api.md cannot go stale: its curl examples run against a real ModelApi, and every route the app maps is
/// documented somewhere in docs/.</summary>
public class ApiDocTests
{
    /// <summary>The address the examples are written for; the test swaps in its own server's.</summary>
    const string DocumentedAddress = "http://127.0.0.1:8080";

    [Fact]
    public async Task Every_bash_example_in_docs_api_md_runs_against_a_real_ModelApi_and_each_curl_succeeds()
    {
        var blocks = CodeBlocks(Repository.Read("docs/api.md"), "bash");
        Assert.True(blocks.Count >= 8, $"docs/api.md has {blocks.Count} bash blocks");
        Assert.All(blocks, b => Assert.Contains("curl", b, StringComparison.Ordinal));

        // The default model (a reader's first server) with a master key, so the key routes run too.
        using var server = await new ModelApiProcess(Repository.DefaultModel, [.. Keys.OnSqlite(), ("API_REFERENCE", "true")]).ReadyAsync();
        var address = server.Address.ToString().TrimEnd('/');
        // One script, the blocks in order (a later block uses what an earlier one made); curl fails on any 4xx/5xx.
        var script = new StringBuilder("set -euo pipefail\ncurl() { command curl --fail-with-body --show-error --max-time 300 \"$@\"; }\n");
        for (var i = 0; i < blocks.Count; i++)
            script.Append($"echo '>>> block {i + 1}' >&2\n").Append(blocks[i].Replace(DocumentedAddress, address, StringComparison.Ordinal)).Append('\n');

        var (code, stdout, stderr) = await RunBashAsync(script.ToString(), ("KEY", Keys.Master));
        var failed = Regex.Matches(stderr, @">>> block (\d+)").LastOrDefault()?.Groups[1].Value;
        Assert.True(code == 0, $"docs/api.md: bash block {failed} failed (exit {code}):\n{(failed is null ? "" : blocks[int.Parse(failed) - 1])}\n--- stderr\n{stderr}\n--- stdout\n{stdout}");
        // They did what they say: text came back, a key was made and then deleted.
        Assert.Contains("\"generated_text\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"virtual_key\"", stdout, StringComparison.Ordinal);
        Assert.Contains("customgpt_requests_total", stdout, StringComparison.Ordinal);
        Assert.Contains("event: done", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_route_the_app_maps_is_documented_in_docs()
    {
        var docs = string.Join('\n', Directory.EnumerateFiles(Repository.PathOf("docs"), "*.md").Select(File.ReadAllText));
        using var server = await new ApiServer(TestModels.Tiny, settings: [.. Keys.OnSqlite(), ("API_REFERENCE", "true")]).ReadyAsync();
        var routes = (from endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                      from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]
                      let path = "/" + endpoint.RoutePattern.RawText!.Trim('/').Replace("{documentName}", "v1", StringComparison.Ordinal) // a group's "" route is "/v1/files/"
                      where !path.StartsWith("/scalar/", StringComparison.Ordinal) // the reference page's own scripts
                      select $"{method} {path}").Distinct().ToList();
        Assert.Contains("POST /generate", routes);
        var missing = routes.Where(r => !docs.Contains(r, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "routes no file in docs/ names as `METHOD /path`: " + string.Join(", ", missing));
    }

    /// <summary>The bodies of the fenced blocks of one language (```bash ... ```).</summary>
    static List<string> CodeBlocks(string markdown, string language) =>
        Regex.Matches(markdown, $@"^```{language}\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

    static async Task<(int Code, string Stdout, string Stderr)> RunBashAsync(string script, params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
