using System.Net;
using System.Text;
using CustomGpt.Trainer.Tests;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>Every bad input to /v1/files and /v1/fine_tuning/jobs is a 4xx that names the field and the reason; only the
/// master key may train.</summary>
public class TrainingBadInputTests(TrainingServer api) : IClassFixture<TrainingServer>
{
    static async Task<(HttpStatusCode Status, string Field, string Message)> ProblemAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var problem = await response.ProblemAsync();
            var error = problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Single() : default;
            return (response.StatusCode, error.Name ?? "", error.Value.ValueKind == System.Text.Json.JsonValueKind.Array ? error.Value[0].GetString()! : problem.GetProperty("detail").GetString()!);
        }
    }

    [Fact]
    public async Task Binary_empty_and_wrongly_labelled_uploads_are_400_with_the_reason()
    {
        var filesBefore = Directory.GetFiles(Path.Combine(api.DataDir, "training", "files")).Length;
        var binary = await ProblemAsync(await api.UploadAsync([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2, 3, 0, 0], "model.bin"));
        Assert.Equal((HttpStatusCode.BadRequest, "file"), (binary.Status, binary.Field));
        Assert.Contains("binary", binary.Message, StringComparison.Ordinal);
        Assert.Contains("model.bin", binary.Message, StringComparison.Ordinal);

        var latin1 = await ProblemAsync(await api.UploadAsync(Encoding.Latin1.GetBytes("caf\u00e9 na\u00efve r\u00e9sum\u00e9"), "latin1.txt"));
        Assert.Contains("UTF-8", latin1.Message, StringComparison.Ordinal);

        var empty = await ProblemAsync(await api.UploadAsync([], "empty.txt"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);

        var purpose = await ProblemAsync(await api.UploadAsync("hello"u8.ToArray(), purpose: "assistants"));
        Assert.Equal((HttpStatusCode.BadRequest, "purpose"), (purpose.Status, purpose.Field));

        var json = await ProblemAsync(await api.PostJsonAsync("/v1/files", new { file = "x" }));
        Assert.Equal((HttpStatusCode.BadRequest, "file"), (json.Status, json.Field));
        Assert.Contains("multipart/form-data", json.Message, StringComparison.Ordinal);

        var files = await TrainingServer.JsonAsync(await api.GetAsync("/v1/files"));
        Assert.DoesNotContain(files.GetProperty("data").EnumerateArray(), f => f.GetProperty("filename").GetString() is "model.bin" or "latin1.txt" or "empty.txt");
        Assert.Equal(filesBefore, Directory.GetFiles(Path.Combine(api.DataDir, "training", "files")).Length);
    }

    [Fact]
    public async Task Too_short_text_unknown_preset_and_bad_settings_are_400_naming_the_field()
    {
        var shortText = await api.UploadTextAsync(TestTexts.Sentences(300));
        var text = await api.UploadTextAsync(TestTexts.Sentences(5_000));

        var tooShort = await ProblemAsync(await api.PostJsonAsync("/v1/fine_tuning/jobs", new { training_file = shortText, model = "custom-gpt-tiny" }));
        Assert.Equal((HttpStatusCode.BadRequest, "training_file"), (tooShort.Status, tooShort.Field));
        Assert.Contains("needs at least", tooShort.Message, StringComparison.Ordinal);

        foreach (var (body, field, words) in new (object, string, string)[]
        {
            (new { training_file = text, model = "custom-gpt-huge" }, "model", "custom-gpt-tiny"),
            (new { training_file = text, preset = "huge" }, "preset", "custom-gpt-medium"),
            (new { training_file = text }, "model", "required"),
            (new { model = "custom-gpt-tiny" }, "training_file", "required"),
            (new { training_file = "file-nope", model = "custom-gpt-tiny" }, "training_file", "file-nope"),
            (new { training_file = text, model = "custom-gpt-tiny", minutes = 1, hyperparameters = new { n_epochs = 2 } }, "minutes", "not both"),
            (new { training_file = text, model = "custom-gpt-tiny", hyperparameters = new { n_epochs = "many" } }, "hyperparameters.n_epochs", "auto"),
            (new { training_file = text, model = "custom-gpt-tiny", context = 300 }, "context", "multiple of 256"),
            (new { training_file = text, model = "custom-gpt-tiny", quantize = "q2_k" }, "quantize", "q8_0"),
            (new { training_file = text, model = "custom-gpt-tiny", validation_share = 0.9 }, "validation_share", "0.5"),
            (new { training_file = text, model = "custom-gpt-tiny", suffix = "no spaces please" }, "suffix", "letters"),
        })
        {
            var p = await ProblemAsync(await api.PostJsonAsync("/v1/fine_tuning/jobs", body));
            Assert.True((HttpStatusCode.BadRequest, field) == (p.Status, p.Field), $"{field}: {p}");
            Assert.Contains(words, p.Message, StringComparison.Ordinal);
        }
        var jobs = await TrainingServer.JsonAsync(await api.GetAsync("/v1/fine_tuning/jobs"));
        Assert.DoesNotContain(jobs.GetProperty("data").EnumerateArray(), j => j.GetProperty("training_file").GetString() is var f && (f == text || f == shortText));
    }

    [Fact]
    public async Task Only_the_master_key_may_upload_or_train()
    {
        var virtualKey = await api.Http.GenerateKeyAsync(new { key_alias = "caller" });
        Assert.Equal(HttpStatusCode.Forbidden, (await api.UploadAsync("some text"u8.ToArray(), key: virtualKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.UploadAsync("some text"u8.ToArray(), key: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostJsonAsync("/v1/fine_tuning/jobs", new { training_file = "file-x", model = "custom-gpt-tiny" }, virtualKey)).StatusCode);
        foreach (var path in new[] { "/v1/files", "/v1/fine_tuning/jobs", "/v1/fine_tuning/jobs/ftjob-x/events" })
            Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync(path, virtualKey)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/v1/fine_tuning/jobs/ftjob-nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/v1/files/file-nope")).StatusCode);
    }
}
