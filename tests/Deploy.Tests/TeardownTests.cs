using System.Text.RegularExpressions;

namespace CustomGpt.Deploy.Tests;

/// <summary>deploy/cloudrun/teardown.sh: what it deletes, in which order, and what it does when
/// something is already gone or cannot be deleted (a stand-in gcloud answers, see <see cref="ScriptPath"/>).</summary>
public sealed class TeardownTests
{
    const string Script = "deploy/cloudrun/teardown.sh";

    /// <summary>The gateway serves a config, configs belong to the API, the configs call Cloud Run as the
    /// service account: each goes before what it depends on.</summary>
    static readonly string[] InOrder =
    [
        "api-gateway gateways delete customgpt-gateway --location=europe-west1 --project=my-proj --quiet",
        "api-gateway api-configs delete customgpt-api-v1 --api=customgpt-api --project=my-proj --quiet",
        "api-gateway api-configs delete customgpt-api-v2 --api=customgpt-api --project=my-proj --quiet",
        "api-gateway apis delete customgpt-api --project=my-proj --quiet",
        "services api-keys delete projects/123/locations/global/keys/key-1 --project=my-proj --quiet",
        "run services delete customgpt-api --region=europe-west1 --project=my-proj --quiet",
        "iam service-accounts delete customgpt-gateway@my-proj.iam.gserviceaccount.com --project=my-proj --quiet",
        "iam service-accounts delete customgpt-api@my-proj.iam.gserviceaccount.com --project=my-proj --quiet",
    ];

    static readonly (string, string)[] Project = [("GCP_PROJECT", "my-proj"), ("GCP_REGION", "europe-west1")];

    [Fact]
    public void Dry_run_looks_up_the_configs_and_keys_and_prints_every_delete_in_order_running_none()
    {
        using var path = new ScriptPath(withGcloud: true);
        var (code, stdout, stderr) = Scripts.Run(Script, ["--dry-run"], path, Project);
        Assert.True(code == 0, stderr);
        Assert.Equal(InOrder.Select(c => "gcloud " + c), stdout.Trim().Split('\n'));
        Assert.All(path.GcloudCalls, call => Assert.Contains(" list ", call, StringComparison.Ordinal)); // only the read-only lookups ran
        Assert.Contains("gcloud secrets delete customgpt-api-key", stderr, StringComparison.Ordinal); // what stays, and how to remove it
    }

    [Fact]
    public void Dry_run_without_gcloud_shows_placeholders_for_what_it_would_look_up()
    {
        using var path = new ScriptPath(withGcloud: false);
        var (code, stdout, stderr) = Scripts.Run(Script, ["--dry-run"], path, Project);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal("gcloud api-gateway api-configs delete '<each config of customgpt-api>' --api=customgpt-api --project=my-proj --quiet", lines[1]);
        Assert.Equal("gcloud services api-keys delete '<each key named customgpt>' --project=my-proj --quiet", lines[3]);
        Assert.Equal(7, lines.Length);

        // Configs given by name need no lookup.
        (code, stdout, _) = Scripts.Run(Script, ["--dry-run"], path, [.. Project, ("API_CONFIGS", "v7 v8")]);
        Assert.Equal(0, code);
        Assert.Contains("gcloud api-gateway api-configs delete v7 --api=customgpt-api", stdout, StringComparison.Ordinal);
        Assert.Contains("gcloud api-gateway api-configs delete v8 --api=customgpt-api", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_deletes_in_order_and_what_is_already_gone_is_no_failure()
    {
        using var path = new ScriptPath(withGcloud: true);
        var (code, stdout, stderr) = Scripts.Run(Script, [], path, [.. Project, ("FAKE_GONE", "gateways delete")]);
        Assert.True(code == 0, stderr);
        Assert.Equal(InOrder, path.GcloudCalls.Where(c => c.Contains(" delete ", StringComparison.Ordinal)));
        Assert.Contains("(already gone)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delete_that_fails_for_another_reason_is_reported_the_rest_still_runs_and_the_exit_code_is_1()
    {
        using var path = new ScriptPath(withGcloud: true);
        var (code, _, stderr) = Scripts.Run(Script, [], path, [.. Project, ("FAKE_DENIED", "apis delete")]);
        Assert.Equal(1, code);
        Assert.Contains("PERMISSION_DENIED", stderr, StringComparison.Ordinal);
        Assert.Contains("1 command(s) failed", stderr, StringComparison.Ordinal);
        Assert.Equal(InOrder, path.GcloudCalls.Where(c => c.Contains(" delete ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_missing_project_and_a_bad_argument_are_clear_errors()
    {
        using var path = new ScriptPath(withGcloud: false);
        var (code, stdout, stderr) = Scripts.Run(Script, ["--dry-run"], path);
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("GCP_PROJECT is not set", stderr, StringComparison.Ordinal);
        Assert.Equal(2, Scripts.Run(Script, ["--yes"], path, Project).Code);
        // Not a dry run, and no gcloud: nothing can be deleted, and it says so.
        (code, _, stderr) = Scripts.Run(Script, [], path, Project);
        Assert.Equal(1, code);
        Assert.Contains("gcloud is not installed", stderr, StringComparison.Ordinal);
    }

    /// <summary>Teardown deletes exactly what the guides create, by the same names.</summary>
    [Fact]
    public void The_names_it_deletes_are_the_names_the_guides_create()
    {
        var guide = Repository.Read("deploy/api-gateway/README.md");
        Assert.Matches(@"gcloud iam service-accounts create customgpt-gateway\b", guide);
        Assert.Contains("SA=customgpt-gateway@$GCP_PROJECT.iam.gserviceaccount.com", guide, StringComparison.Ordinal);
        Assert.Matches(@"gcloud api-gateway apis create customgpt-api\b", guide);
        Assert.Matches(@"gcloud api-gateway api-configs create customgpt-api-v1 --api=customgpt-api\b", guide);
        Assert.Matches(@"gcloud api-gateway gateways create customgpt-gateway --api=customgpt-api\b", guide);
        Assert.Matches(@"gcloud services api-keys create --display-name=customgpt\b", guide);
        Assert.Matches(@"^service=\$\{SERVICE:-customgpt-api\}$", new Regex(@"^service=.*$", RegexOptions.Multiline).Match(Repository.Read("deploy/cloudrun/deploy.sh")).Value);
        var readme = Repository.Read("docs/deploy-cloud-run.md");
        Assert.Contains("deploy/cloudrun/teardown.sh", readme, StringComparison.Ordinal);
        Assert.Matches(@"gcloud iam service-accounts create customgpt-api\b", readme);
        Assert.Contains("SA=customgpt-api@$GCP_PROJECT.iam.gserviceaccount.com", readme, StringComparison.Ordinal);
    }
}
