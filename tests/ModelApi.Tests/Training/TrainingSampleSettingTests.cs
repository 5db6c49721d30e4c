using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Training;
using Microsoft.Extensions.Configuration;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>TRAIN_SAMPLE_SECONDS: how often a running job draws a sample; a value the trainer would refuse stops the start naming it.</summary>
public class TrainingSampleSettingTests
{
    static TrainingSettings Read(params (string Key, string Value)[] values) =>
        TrainingSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build(), ApiServer.ReadSettings());

    [Fact]
    public void A_sample_every_10_seconds_by_default_or_as_set()
    {
        Assert.Equal(10, Read().SampleSeconds);
        Assert.Equal(2.5, Read(("TRAIN_SAMPLE_SECONDS", "2.5")).SampleSeconds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("often")]
    [InlineData("3601")]
    public void A_bad_value_is_refused_naming_the_setting(string value)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => Read(("TRAIN_SAMPLE_SECONDS", value)));
        Assert.Contains($"TRAIN_SAMPLE_SECONDS='{value}' must be a number of seconds from 0.1 to 3600", e.Message, StringComparison.Ordinal);
    }
}
