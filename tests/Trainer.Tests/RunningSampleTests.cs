using System.Text.Json;
using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>Samples of text while a run trains (--sample-every), as JSON lines a program reads before the run ends.</summary>
public sealed class RunningSampleTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("customgpt-trainer-samples-").FullName;

    [Fact]
    public void Samples_come_every_few_steps_before_the_last_step()
    {
        var text = TestTexts.WriteTemp(dir, "sentences.txt", TestTexts.Sentences(24_000, seed: 4));
        var log = new CapturingWriter();
        var result = TrainerRunner.Train(log, default, "--text", text, "--out", Path.Combine(dir, "m.gguf"), "--preset", "tiny", "--steps", "24",
            "--eval-every", "8", "--lr", "0.01", "--threads", "2", "--seed", "3", "--progress", "json", "--sample-every", "8");
        Assert.Equal(24, result.State.Step);

        var events = log.Lines.Select((line, index) => (Line: ProgressLine.Parse(line), Index: index)).Where(e => e.Line is not null).ToList();
        var lastStep = events.Last(e => e.Line!.Event == ProgressLine.Progress && e.Line.Step == 24).Index;
        var running = events.Where(e => e.Line!.Event == ProgressLine.Sample && e.Line.Step < 24).ToList();
        Assert.True(running.Select(e => e.Line!.Step).SequenceEqual([8L, 16L]), $"samples at steps 8 and 16:\n{log}");
        Assert.All(running, e =>
        {
            Assert.True(e.Index < lastStep, "a sample comes while the run trains, before its last step");
            Assert.InRange(e.Line!.Text!.EnumerateRunes().Count(), 1, RunningSample.Characters);
            Assert.Equal("", e.Line.Prompt);
        });
        // The human-readable line too, and the JSON line is valid JSON a reader parses.
        Assert.Contains(log.Lines, l => l.StartsWith("Sample at step 8 (", StringComparison.Ordinal));
        Assert.Equal("sample", JsonDocument.Parse(log.Lines[running[0].Index]).RootElement.GetProperty("event").GetString());
        // The final model's samples still come at the end, and the scratch model of each sample is gone.
        Assert.Contains(events, e => e.Line!.Event == ProgressLine.Sample && e.Line.Step == 24 && e.Index > lastStep);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp*"));
    }

    [Fact]
    public void A_sample_that_cannot_be_drawn_is_reported_and_the_run_goes_on()
    {
        var text = TestTexts.WriteTemp(dir, "sentences.txt", TestTexts.Sentences(24_000, seed: 5));
        var output = Path.Combine(dir, "blocked.gguf");
        Directory.CreateDirectory(RunningSample.ScratchPathFor(output)); // the scratch model cannot be written
        var log = new CapturingWriter();
        var result = TrainerRunner.Train(log, default, "--text", text, "--out", output, "--preset", "tiny", "--steps", "16",
            "--lr", "0.01", "--threads", "2", "--seed", "3", "--progress", "json", "--sample-every", "8");
        Assert.Equal(16, result.State.Step);
        Assert.False(result.Interrupted);
        Assert.Contains(log.Lines, l => l.StartsWith("Sample at step 8 failed: ", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => ProgressLine.Parse(l) is { Event: ProgressLine.Sample, Step: < 16 });
        Assert.True(File.Exists(result.OutputPath));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
