using System.Diagnostics;
using CustomGpt.ModelApi.Hosting;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Key settings that cannot work stop the start with exit code 2 and a message naming the setting (never its value).</summary>
public class GatewaySettingsTests
{
    [Theory]
    [InlineData("API_KEY", "short-key")]
    [InlineData("MASTER_KEY", "fifteen-chars!!")]
    [InlineData("METRICS_TOKEN", "scrape")]
    public void A_key_shorter_than_16_characters_is_refused_naming_the_setting(string name, string value)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => ApiServer.ReadSettings((name, value)));
        Assert.Contains($"{name} has {value.Length} characters; use at least 16", e.Message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 24", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
        ApiServer.ReadSettings((name, value + new string('x', 16))); // long enough
    }

    [Fact]
    public void API_KEY_and_MASTER_KEY_together_are_refused()
    {
        var e = Assert.Throws<InvalidSettingsException>(() => ApiServer.ReadSettings(("API_KEY", Keys.Single), ("MASTER_KEY", Keys.Master)));
        Assert.Contains("API_KEY and MASTER_KEY are both set", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://user:pa ss@[bad/db")]
    [InlineData("Host=db;NoSuchSetting=1")]
    [InlineData("postgresql://user:pw@db/x?nosuchoption=1")]
    public void A_malformed_DATABASE_URL_is_refused_at_start_not_at_the_first_request(string url)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => ApiServer.ReadSettings(("MASTER_KEY", Keys.Master), ("DATABASE_URL", url)));
        Assert.Contains("DATABASE_URL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pa ss", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_with_code_2_naming_the_settings()
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ModelApi.dll")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["PORT"] = "0";
        info.Environment["MODEL_PATH"] = "unused.gguf";
        info.Environment["API_KEY"] = Keys.Single;
        info.Environment["MASTER_KEY"] = Keys.Master;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("API_KEY and MASTER_KEY are both set", await stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Keys.Master, await stderr, StringComparison.Ordinal);
    }
}
