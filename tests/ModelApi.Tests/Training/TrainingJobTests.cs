using System.Net;
using System.Text;
using System.Text.Json;
using CustomGpt.Trainer.Tests;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>
/// Training through the API on a real ModelApi process: a text uploaded, the tiny preset trained for a quarter minute by
/// the Trainer as a child process, its events and results, the job and its model kept across a restart; cancel and
/// resume from the checkpoint; a restart in the middle of a job.
/// </summary>
public class TrainingJobTests(TrainingServer api) : IClassFixture<TrainingServer>
{
    static readonly string Text = TestTexts.Sentences(20_000);

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_job_trains_the_tiny_preset_with_falling_loss_and_its_results_survive_a_restart()
    {
        var file = await api.UploadTextAsync(Text);
        var created = await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", hyperparameters = new { n_epochs = 25 }, suffix = "my-text", seed = 7 });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("fine_tuning.job", created.GetProperty("object").GetString());
        Assert.Contains(created.GetProperty("status").GetString(), (string[])["queued", "running"]);

        // Live progress as server-sent events, to the end of the job.
        var streamed = await api.StreamUntilAsync(id, _ => false);
        var job = await api.WaitForStatusAsync(id, "succeeded");
        var name = job.GetProperty("fine_tuned_model").GetString()!;
        Assert.Matches(@"^custom-gpt-tiny:my-text:[0-9a-f]{6}$", name);
        Assert.True(job.GetProperty("trained_tokens").GetInt64() > 0);

        var events = await api.EventsAsync(id);
        Assert.Equal(events.Select(e => e.GetProperty("id").GetString()), streamed.Select(e => e.GetProperty("id").GetString()));
        var metrics = TrainingServer.Metrics(events).ToList();
        var losses = metrics.Where(m => m.TryGetProperty("train_loss", out _)).Select(m => m.GetProperty("train_loss").GetDouble()).ToList();
        var validation = metrics.Where(m => m.TryGetProperty("valid_loss", out _)).Select(m => m.GetProperty("valid_loss").GetDouble()).ToList();
        Assert.True(losses.Count >= 3, string.Join('\n', events));
        Assert.True(losses[^1] < losses[0] * 0.8, $"training loss {losses[0]} -> {losses[^1]}");
        Assert.True(validation[^1] < validation[0] * 0.8, $"validation loss {validation[0]} -> {validation[^1]}");
        Assert.All(metrics.Skip(1), m => Assert.True(m.GetProperty("tokens_per_second").GetDouble() > 0));
        Assert.Contains(events, e => e.TryGetProperty("data", out var d) && d.TryGetProperty("sample", out var s) && s.GetString()!.Length > 0);
        // Samples while it trains (TRAIN_SAMPLE_SECONDS): one comes before the job's last step, with its step and text in data and in the message.
        var lastStep = events.FindLastIndex(e => e.GetProperty("type").GetString() == "metrics");
        var finalStep = events[lastStep].GetProperty("data").GetProperty("step").GetInt64();
        var running = events.Take(lastStep).Where(e => e.TryGetProperty("data", out var d) && d.TryGetProperty("sample", out _)).ToList();
        Assert.True(running.Count > 0, "no sample before the last step:\n" + string.Join('\n', events));
        Assert.All(running, e =>
        {
            var data = e.GetProperty("data");
            Assert.InRange(data.GetProperty("step").GetInt64(), 1, finalStep - 1);
            Assert.EndsWith(": " + data.GetProperty("sample").GetString(), e.GetProperty("message").GetString(), StringComparison.Ordinal);
        });

        // Results: the report, the loss curve and the model, as files.
        var results = job.GetProperty("result_files").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Equal(3, results.Count);
        var report = await (await api.GetAsync($"/v1/files/{results[0]}/content")).Content.ReadAsStringAsync();
        Assert.Contains("validation loss", report, StringComparison.Ordinal);
        var model = await (await api.GetAsync($"/v1/files/{results[2]}/content")).Content.ReadAsByteArrayAsync();
        Assert.Equal("GGUF"u8.ToArray(), model[..4]);

        // Owner-only: the text and the trained model are readable by the service's user alone.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(api.DataDir, "models", name + ".gguf")));
        Assert.All(Directory.GetFiles(Path.Combine(api.DataDir, "training", "files")), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

        // Served at once under its name, next to the other models: it writes the text's words.
        var models = await TrainingServer.JsonAsync(await api.GetAsync("/v1/models"));
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == name);
        // (25 epochs, seeded: the same work and the same model however busy the machine is; it spells some words and
        // misses others, the random test model spells none.)
        var generated = await api.GenerateFromAsync(name, "The king ");
        var untrained = await api.GenerateFromAsync(null, "The king ");
        Assert.True(TrainingServer.KnownWordShare(generated) > 0.2, generated);
        Assert.True(TrainingServer.KnownWordShare(generated) > TrainingServer.KnownWordShare(untrained) + 0.15, $"{generated}\n---\n{untrained}");

        api.Restart();
        Assert.Equal(generated, await api.GenerateFromAsync(name, "The king ")); // served again after a restart, the same model
        var after = await api.JobAsync(id);
        Assert.Equal("succeeded", after.GetProperty("status").GetString());
        Assert.Equal(name, after.GetProperty("fine_tuned_model").GetString());
        Assert.Equal(events.Count, (await api.EventsAsync(id)).Count);
        var files = await TrainingServer.JsonAsync(await api.GetAsync("/v1/files"));
        Assert.Contains(files.GetProperty("data").EnumerateArray(), f => f.GetProperty("id").GetString() == file);
    }

    [Fact]
    public async Task A_cancelled_job_keeps_its_checkpoint_and_resumes_from_it()
    {
        var file = await api.UploadTextAsync(Text);
        var id = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.3 })).GetProperty("id").GetString()!;
        await api.StreamUntilAsync(id, e => e.GetProperty("message").GetString()!.StartsWith("Checkpoint saved", StringComparison.Ordinal));

        var cancelled = await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/cancel", new { }));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var stopped = await api.WaitForJobAsync(id, j => j.GetProperty("resumable").GetBoolean());
        var stepAtCancel = stopped.GetProperty("progress").GetProperty("step").GetInt64();
        Assert.False(stopped.TryGetProperty("fine_tuned_model", out _));
        using (var again = await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/cancel", new { }))
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);

        var resumed = await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/resume", new { }));
        Assert.Equal("queued", resumed.GetProperty("status").GetString());
        var done = await api.WaitForStatusAsync(id, "succeeded");
        var events = await api.EventsAsync(id);
        Assert.Contains(events, e => e.GetProperty("message").GetString() == "Job resumed from its checkpoint.");
        var afterResume = events.SkipWhile(e => e.GetProperty("message").GetString() != "Job resumed from its checkpoint.");
        Assert.All(TrainingServer.Metrics(afterResume), m => Assert.True(m.GetProperty("step").GetInt64() >= stepAtCancel));
        Assert.True(done.GetProperty("progress").GetProperty("step").GetInt64() > stepAtCancel);
    }

    [Fact]
    public async Task A_restart_while_a_job_trains_marks_it_failed_with_the_reason_and_it_resumes_from_its_checkpoint()
    {
        var file = await api.UploadTextAsync(Text);
        var id = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.3 })).GetProperty("id").GetString()!;
        await api.StreamUntilAsync(id, e => e.GetProperty("message").GetString()!.StartsWith("Checkpoint saved", StringComparison.Ordinal));

        api.Restart();
        var failed = await api.JobAsync(id);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("interrupted", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("resume", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(failed.GetProperty("resumable").GetBoolean());

        await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/resume", new { }));
        await api.WaitForStatusAsync(id, "succeeded");
    }

    /// <summary>Killed, ModelApi cannot stop its trainer; the trainer notices its standard input close and stops by
    /// itself (as on SIGTERM, its checkpoint saved) instead of training on unseen for minutes. The restart then offers the resume.</summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task When_ModelApi_is_killed_its_trainer_stops_by_itself_and_the_job_can_be_resumed()
    {
        var file = await api.UploadTextAsync(Text);
        var id = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 10 })).GetProperty("id").GetString()!;
        await api.StreamUntilAsync(id, e => e.GetProperty("type").GetString() == "metrics");
        var trainer = Assert.Single(api.Server.ChildIds());

        api.Server.Signal("KILL");
        await api.Server.ExitCodeAsync();
        // A hang guard far below the job's ten minutes: without the watch the trainer would run on.
        for (var i = 0; i < 1200 && Running(trainer); i++) await Task.Delay(100);
        Assert.False(Running(trainer), "the trainer kept training after ModelApi was killed");

        api.Restart();
        var failed = await api.JobAsync(id);
        Assert.Equal("interrupted", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.True(failed.GetProperty("resumable").GetBoolean());
        await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/resume", new { }));
        // Cancelled the moment it runs, maybe while its trainer is still starting: the trainer must stop all the same
        // (a cancel once lost in that moment left a ten-minute trainer holding the queue).
        await api.WaitForStatusAsync(id, "running");
        await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{id}/cancel", new { }));
        var events = await api.StreamUntilAsync(id, e => e.GetProperty("message").GetString()!.StartsWith("The trainer saved its checkpoint", StringComparison.Ordinal));
        Assert.StartsWith("The trainer saved its checkpoint", events[^1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True((await api.JobAsync(id)).GetProperty("resumable").GetBoolean());
    }

    /// <summary>Alive and not a zombie (an orphan's exit status is collected by whoever adopted it, maybe never here).</summary>
    static bool Running(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Jobs_run_one_at_a_time_and_a_queued_job_can_be_cancelled_before_it_starts()
    {
        var file = await api.UploadTextAsync(Text);
        var first = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.1 })).GetProperty("id").GetString()!;
        var second = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.1 })).GetProperty("id").GetString()!;
        var third = (await api.CreateJobAsync(new { training_file = file, model = "custom-gpt-tiny", minutes = 0.1 })).GetProperty("id").GetString()!;
        await api.WaitForStatusAsync(first, "running");
        Assert.Equal("queued", (await api.JobAsync(second)).GetProperty("status").GetString());
        var cancelled = await TrainingServer.JsonAsync(await api.PostJsonAsync($"/v1/fine_tuning/jobs/{third}/cancel", new { }));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await api.WaitForStatusAsync(second, "succeeded");
        Assert.Equal("succeeded", (await api.JobAsync(first)).GetProperty("status").GetString());
        Assert.Equal("cancelled", (await api.JobAsync(third)).GetProperty("status").GetString());
        Assert.False((await api.JobAsync(third)).GetProperty("resumable").GetBoolean());
        var list = await TrainingServer.JsonAsync(await api.GetAsync("/v1/fine_tuning/jobs"));
        Assert.Equal(third, list.GetProperty("data")[0].GetProperty("id").GetString()); // newest first
    }
}
