namespace CustomGpt.ModelApi.Client.Tests;

public sealed class TimeoutSettingTests
{
    static ModelApiClientOptions With(string? timeout) =>
        ModelApiClientOptions.FromEnvironment(k => k == ModelApiClientOptions.TimeoutVariable ? timeout : null);

    [Fact]
    public void GPT_API_TIMEOUT_SECONDS_sets_the_timeout_and_300_seconds_is_the_default()
    {
        Assert.Equal(TimeSpan.FromSeconds(300), With(null).Timeout);
        Assert.Equal(TimeSpan.FromSeconds(300), With(" ").Timeout);
        Assert.Equal(TimeSpan.FromSeconds(300), new ModelApiClientOptions().Timeout);
        Assert.Equal(TimeSpan.FromSeconds(45), With(" 45 ").Timeout);
        Assert.Equal(TimeSpan.FromSeconds(3600), With("3600").Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), With("45").HealthTimeout); // a connection check still answers quickly
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("3601")]
    [InlineData("1.5")]
    [InlineData("5m")]
    public void A_timeout_that_is_not_1_to_3600_whole_seconds_is_refused_by_name(string timeout)
    {
        var e = Assert.Throws<InvalidOperationException>(() => With(timeout));
        Assert.Equal($"GPT_API_TIMEOUT_SECONDS='{timeout}' must be a whole number of seconds from 1 to 3600.", e.Message);
    }
}
