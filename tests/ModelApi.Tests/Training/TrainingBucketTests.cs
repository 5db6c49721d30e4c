using System.Security.Cryptography;
using System.Text.Json;
using CustomGpt.ModelApi.Hosting;
using CustomGpt.ModelApi.Models;
using CustomGpt.ModelApi.Training.Bucket;
using CustomGpt.Trainer.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>
/// TRAIN_OUTPUT_URL=gs://BUCKET/PREFIX against a fake metadata server and a fake Cloud Storage JSON API (real HTTP on
/// 127.0.0.1, <see cref="FakeGoogleCloud"/>): instance A trains the tiny preset and uploads the model; instance B, with
/// its own DATA_DIR, serves it by name while running (a one-second poll) and instance C at its start; a refused upload
/// keeps the model served where it was trained, says why, and is tried again. No call ever leaves this machine.
/// </summary>
public sealed class TrainingBucketTests : IAsyncLifetime
{
    const string Bucket = "trained-models";
    const string Prefix = "custom/models";
    static readonly string Text = TestTexts.Sentences(20_000);

    FakeGoogleCloud cloud = null!;
    readonly List<string> caches = [];

    public async Task InitializeAsync() => cloud = await FakeGoogleCloud.StartAsync(Bucket);

    public async Task DisposeAsync()
    {
        await cloud.DisposeAsync();
        foreach (var cache in caches) Directory.Delete(cache, recursive: true);
    }

    /// <summary>An instance with the bucket (its own model cache), looking at it every <paramref name="pollSeconds"/>.</summary>
    TrainingServer Instance(int pollSeconds)
    {
        var cache = Directory.CreateTempSubdirectory("customgpt-bucket-cache-").FullName;
        caches.Add(cache);
        return new TrainingServer(
        [
            ("TRAIN_OUTPUT_URL", $"gs://{Bucket}/{Prefix}"), ("TRAIN_OUTPUT_POLL_SECONDS", pollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("GCE_METADATA_HOST", cloud.MetadataHost), ("STORAGE_EMULATOR_HOST", cloud.StorageHost), ("MODEL_CACHE_DIR", cache),
        ]);
    }

    static async Task<(string Id, string Name)> TrainAsync(TrainingServer api, string suffix)
    {
        var file = await api.UploadTextAsync(Text);
        var id = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.1, suffix, seed = 3 })).GetProperty("id").GetString()!;
        var job = await api.WaitForStatusAsync(id, "succeeded");
        return (id, job.GetProperty("fine_tuned_model").GetString()!);
    }

    /// <summary>Polls until the condition holds (a hang guard, not a timing assertion).</summary>
    static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + TrainingServer.JobTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what());
            await Task.Delay(200);
        }
    }

    static async Task<List<string>> ModelIdsAsync(TrainingServer api) =>
        [.. (await TrainingServer.JsonAsync(await api.GetAsync("/v1/models"))).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];

    [Fact]
    public async Task A_model_trained_on_one_instance_is_uploaded_and_served_by_the_others_while_running_and_at_start()
    {
        using var a = Instance(pollSeconds: 1);
        using var b = Instance(pollSeconds: 1);
        var (id, name) = await TrainAsync(a, "bucket");

        // In the bucket, laid out as deploy/cloudrun/train-job.sh lays it out, with what serving it needs.
        var events = await a.EventsAsync(id);
        Assert.True(cloud.Objects.TryGetValue($"{Prefix}/{name}.gguf", out var stored),
            $"{string.Join('\n', events)}\n{string.Join('\n', cloud.Requests)}\n{a.Server.Output}");
        var local = await File.ReadAllBytesAsync(Path.Combine(a.DataDir, "models", name + ".gguf"));
        Assert.Equal(local, stored.Content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(local)), stored.Metadata[TrainedModelBucket.Sha256Key]);
        Assert.Equal(id, stored.Metadata[TrainedModelBucket.JobKey]);
        Assert.Equal(name, stored.Metadata[TrainedModelBucket.ModelKey]);
        Assert.Contains("validation loss", System.Text.Encoding.UTF8.GetString(cloud.Objects[$"{Prefix}/{name}.report.md"].Content), StringComparison.Ordinal);
        Assert.StartsWith("<svg", System.Text.Encoding.UTF8.GetString(cloud.Objects[$"{Prefix}/{name}.loss.svg"].Content).TrimStart(), StringComparison.Ordinal);
        var uploaded = events.FindIndex(e => e.GetProperty("message").GetString() == $"Uploaded {name} to gs://{Bucket}/{Prefix}/: every instance with this TRAIN_OUTPUT_URL serves it.");
        Assert.True(uploaded >= 0, string.Join('\n', events));
        Assert.True(uploaded < events.FindIndex(e => e.GetProperty("message").GetString()!.StartsWith("The job has successfully completed", StringComparison.Ordinal)));

        // B was running before the model existed: its next look at the bucket serves it, the same model.
        var fromA = await a.GenerateFromAsync(name, "The king ");
        Assert.Equal(fromA, await b.GenerateFromAsync(name, "The king "));
        Assert.Contains(name, await ModelIdsAsync(b));
        Assert.False(File.Exists(Path.Combine(b.DataDir, "models", name + ".gguf"))); // from the bucket, through the cache

        // What deploy/cloudrun/train-job.sh writes (no metadata, a checkpoint beside it), and a sub-folder that is not the prefix.
        cloud.Put($"{Prefix}/job-model.gguf", await File.ReadAllBytesAsync(TestModels.Tiny));
        cloud.Put($"{Prefix}/job-model.ckpt.gguf", "not a model"u8.ToArray());
        cloud.Put($"{Prefix}/old/other.gguf", "not a model"u8.ToArray());

        // C looks only at its start (a day between looks): the models are there from the beginning.
        using var c = Instance(pollSeconds: 86_400);
        Assert.Equal(fromA, await c.GenerateFromAsync(name, "The king ")); // (waits for /health to list it: the first look runs beside the start)
        Assert.True((await c.GenerateFromAsync("job-model", "The king ")).Length > 0);
        var served = await ModelIdsAsync(c);
        Assert.Contains(name, served);
        Assert.DoesNotContain(served, m => m.Contains("ckpt", StringComparison.Ordinal) || m.Contains("other", StringComparison.Ordinal));

        Assert.Empty(cloud.Unknown);
        Assert.DoesNotContain(FakeGoogleCloud.Token, a.Server.Output + b.Server.Output + c.Server.Output, StringComparison.Ordinal);
        Assert.Contains(cloud.Requests, r => r.StartsWith("PUT /upload/storage/v1/b/", StringComparison.Ordinal)); // the library's resumable upload
    }

    [Fact]
    public async Task A_refused_upload_keeps_the_model_served_where_it_was_trained_says_why_and_is_tried_again()
    {
        cloud.RefuseUploads = 403;
        using var a = Instance(pollSeconds: 1);
        var (id, name) = await TrainAsync(a, "refused");

        var events = await a.EventsAsync(id);
        var warning = Assert.Single(events, e => e.GetProperty("level").GetString() == "warn");
        var message = warning.GetProperty("message").GetString()!;
        Assert.Contains($"could not be uploaded to gs://{Bucket}/{Prefix}/", message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", message, StringComparison.Ordinal);
        Assert.Contains("roles/storage.objectUser", message, StringComparison.Ordinal);
        Assert.Equal("succeeded", (await a.JobAsync(id)).GetProperty("status").GetString());
        Assert.DoesNotContain($"{Prefix}/{name}.gguf", cloud.Objects.Keys);
        Assert.True((await a.GenerateFromAsync(name, "The king ")).Length > 0); // served here all the same

        cloud.RefuseUploads = null;
        await WaitUntilAsync(async () => (await a.EventsAsync(id)).Any(e => e.GetProperty("message").GetString()!.Contains("on a retry", StringComparison.Ordinal)),
            () => a.Server.Output);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(a.DataDir, "models", name + ".gguf")), cloud.Objects[$"{Prefix}/{name}.gguf"].Content);
        Assert.False(File.Exists(Path.Combine(a.DataDir, "models", name + ".upload-pending")));
        Assert.DoesNotContain(FakeGoogleCloud.Token, a.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_instance_looks_again_when_its_clock_says_so()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var data = Directory.CreateTempSubdirectory("customgpt-bucket-data-").FullName;
        var cache = Directory.CreateTempSubdirectory("customgpt-bucket-cache-").FullName;
        caches.AddRange([data, cache]);
        using var server = await new ApiServer(TestModels.Tiny, clock,
            ("DATA_DIR", data), ("KEYS_DB", Path.Combine(data, "keys.db")), ("MODEL_CACHE_DIR", cache), ("TRAIN_OUTPUT_URL", $"gs://{Bucket}/{Prefix}"),
            ("GCE_METADATA_HOST", cloud.MetadataHost), ("STORAGE_EMULATOR_HOST", cloud.StorageHost)).ReadyAsync();
        var catalog = server.Services.GetRequiredService<ModelCatalog>();
        await Api.EventuallyAsync(() => cloud.Listings == 1, "the first look at the bucket, at start");

        cloud.Put($"{Prefix}/made-elsewhere.gguf", await File.ReadAllBytesAsync(TestModels.Tiny));
        clock.Advance(TimeSpan.FromSeconds(TrainingBucketSettings.DefaultPollSeconds - 1));
        Assert.Equal(1, cloud.Listings); // the next look is a minute after the last
        Assert.DoesNotContain("made-elsewhere", catalog.Names);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Api.EventuallyAsync(() => catalog.Names.Contains("made-elsewhere"), "the model put in the bucket is served");
        Assert.Equal(2, cloud.Listings);
        await Api.EventuallyAsync(async () => JsonDocument.Parse(await server.Http.GetStringAsync("/health")).RootElement.GetProperty("models").EnumerateArray()
            .Any(m => m.GetProperty("name").GetString() == "made-elsewhere" && m.GetProperty("status").GetString() == "ok"), "/health lists it as ok");
    }

    [Fact]
    public void A_bad_TRAIN_OUTPUT_URL_stops_the_process_with_exit_code_2_naming_it()
    {
        var e = Assert.Throws<AggregateException>(() => new ModelApiProcess(TestModels.Tiny, ("TRAIN_OUTPUT_URL", "gs://Bad_Bucket/models")));
        var exited = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("TRAIN_OUTPUT_URL='gs://Bad_Bucket/models' is not a Cloud Storage folder: 'Bad_Bucket' is not a bucket name", exited.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gs://my-models", "my-models", "")]
    [InlineData("gs://my-models/", "my-models", "")]
    [InlineData("gs://my-models/models", "my-models", "models/")]
    [InlineData(" gs://my-models/a/b/ ", "my-models", "a/b/")]
    public void TRAIN_OUTPUT_URL_names_a_bucket_and_an_optional_folder(string value, string bucket, string prefix)
    {
        var settings = Read(("TRAIN_OUTPUT_URL", value));
        Assert.Equal(bucket, settings.Bucket!.Folder.Bucket);
        Assert.Equal(prefix, settings.Bucket.Folder.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(TrainingBucketSettings.DefaultPollSeconds), settings.Bucket.PollInterval);
    }

    [Theory]
    [InlineData("TRAIN_OUTPUT_URL", "https://storage.googleapis.com/my-models", "TRAIN_OUTPUT_URL='https://storage.googleapis.com/my-models' is not a Cloud Storage folder: it must be gs://BUCKET or gs://BUCKET/PREFIX")]
    [InlineData("TRAIN_OUTPUT_URL", "gs://ab/models", "'ab' is not a bucket name")]
    [InlineData("TRAIN_OUTPUT_URL", "gs://my-models/a//b", "the prefix is not a folder name")]
    [InlineData("TRAIN_OUTPUT_POLL_SECONDS", "0", "TRAIN_OUTPUT_POLL_SECONDS='0' must be a whole number of seconds from 1 to 86400")]
    public void Bad_bucket_settings_are_refused_naming_the_setting(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => Read(("TRAIN_OUTPUT_URL", "gs://my-models/models"), (key, value)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    static CustomGpt.ModelApi.Training.TrainingSettings Read(params (string Key, string Value)[] values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values.GroupBy(v => v.Key).ToDictionary(g => g.Key, g => (string?)g.Last().Value)).Build();
        return CustomGpt.ModelApi.Training.TrainingSettings.FromConfiguration(config, ApiServer.ReadSettings());
    }
}
