namespace CustomGpt.Deploy.Tests;

/// <summary>One forwarded-address rule for both apps, and the deploy files set the hops each platform adds
/// (docs/gateway.md "Security model: trusted proxies and headers").</summary>
public sealed class ForwardedRuleTests
{
    [Fact]
    public void ModelApi_and_the_Dashboard_apply_the_same_rule()
    {
        // One copy (ServiceDefaults/ForwardedTrust.cs), referenced by both apps and copied into both images.
        Assert.False(File.Exists(Repository.PathOf("ModelApi/Hosting/ForwardedTrust.cs")));
        Assert.False(File.Exists(Repository.PathOf("Dashboard/Hosting/ForwardedTrust.cs")));
        foreach (var app in new[] { "ModelApi/ModelApi.csproj", "Dashboard/Dashboard.csproj" })
            Assert.Contains("../ServiceDefaults/ServiceDefaults.csproj", Repository.Read(app), StringComparison.Ordinal);
        foreach (var dockerfile in new[] { "Dockerfile.api", "Dockerfile.dashboard" })
            Assert.Contains("COPY ServiceDefaults/ ServiceDefaults/", Repository.Read(dockerfile), StringComparison.Ordinal);
        foreach (var settings in new[] { "ModelApi/Hosting/ModelApiSettings.cs", "Dashboard/Hosting/DashboardSettings.cs" })
            foreach (var name in new[] { "\"TRUST_FORWARDED_FOR\"", "\"FORWARDED_HOPS\"", "\"FLY_APP_NAME\"" })
                Assert.Contains(name, Repository.Read(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_platform_trusts_the_one_proxy_it_puts_in_front()
    {
        // Fly: one proxy, which sets Fly-Client-IP and forces https.
        var fly = FlyToml.Load();
        Assert.Equal("true", FlyToml.Env(fly)["TRUST_FORWARDED_FOR"]);
        Assert.False(FlyToml.Env(fly).ContainsKey("FORWARDED_HOPS"));
        Assert.Equal(true, fly.Get("http_service.force_https"));
        // Cloud Run: its front end appends the caller, both in the YAML and in the script.
        Assert.Matches(@"- name: TRUST_FORWARDED_FOR\s+value: ""true""", Repository.Read("deploy/cloudrun/service.yaml"));
        Assert.Contains("TRUST_FORWARDED_FOR=true", Repository.Read("deploy/cloudrun/deploy.sh"), StringComparison.Ordinal);
    }
}
