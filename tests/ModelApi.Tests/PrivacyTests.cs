namespace CustomGpt.ModelApi.Tests;

/// <summary>What an anonymous caller or a log reader may not learn: paths, signed URLs.</summary>
public class PrivacyTests
{
    [Fact]
    public async Task A_failed_load_tells_anonymous_callers_a_short_reason_without_paths()
    {
        var missing = Path.Combine(TestModels.Directory, "secret-folder", "no-such-model.gguf");
        using var api = await new ApiServer(missing).ReadyAsync();
        var body = await (await api.Http.GetAsync("/health")).Content.ReadAsStringAsync();
        Assert.Contains("not found", body);
        Assert.DoesNotContain("secret-folder", body);
    }

    [Fact]
    public void A_signed_model_url_is_never_echoed_in_a_configuration_error()
    {
        var e = Assert.ThrowsAny<Exception>(() =>
            new ModelApiProcess(TestModels.Tiny, ("MODEL_URL", "http://models.example.com/m.gguf?X-Goog-Signature=topsecret123")));
        Assert.Contains("must be an https:// URL", e.Message);
        Assert.DoesNotContain("topsecret123", e.Message);
    }
}
