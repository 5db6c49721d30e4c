using CustomGpt.Trainer.Training;

namespace CustomGpt.Trainer.Tests;

/// <summary>The split, the epoch order and the learning-rate schedule (no native code).</summary>
public sealed class TrainingDataTests
{
    static int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(i => i % 7 == 6 ? 3 : 10 + i % 50)]; // token 3 plays the newline

    static int[] LineStarts(int[] tokens) => [0, .. Enumerable.Range(1, tokens.Length - 1).Where(i => tokens[i - 1] == 3)];

    [Fact]
    public void Validation_pieces_are_spread_over_the_text_and_never_overlap_training()
    {
        var tokens = Tokens(200_000);
        var data = new TrainingData(tokens, LineStarts(tokens), 256, 1, maxValidationWindows: 16);
        Assert.Equal(20, data.ValidationRanges.Count);
        Assert.InRange(data.ValidationTokens / (double)tokens.Length, 0.045, 0.055);
        Assert.Equal(tokens.Length, data.TrainingTokens + data.ValidationTokens); // nothing is lost between the pieces
        foreach (var (vs, ve) in data.ValidationRanges)
            Assert.DoesNotContain(data.TrainingRanges, t => t.Start < ve && vs < t.End);
        Assert.Equal(16, data.ValidationStarts.Count);
        Assert.All(data.ValidationStarts, s => Assert.Contains(data.ValidationRanges, r => r.Start <= s && s + 257 <= r.End));
    }

    [Fact]
    public void An_epoch_visits_every_window_once_in_a_shuffled_order_that_a_seed_repeats()
    {
        var tokens = Tokens(50_000);
        var data = new TrainingData(tokens, LineStarts(tokens), 256, 1, 8);
        var a = data.EpochStarts(seed: 1, epoch: 0);
        Assert.Equal(data.WindowsPerEpoch, a.Length);
        Assert.Equal(a, data.EpochStarts(1, 0));
        Assert.NotEqual(a, data.EpochStarts(1, 1));
        Assert.NotEqual(a.Order(), a); // shuffled
        Assert.All(a, s => Assert.Contains(data.TrainingRanges, r => r.Start <= s && s + 257 <= r.End));
        var sorted = a.Order().ToArray();
        Assert.All(sorted.Zip(sorted.Skip(1)), p => Assert.True(p.Second - p.First >= 256, "windows do not overlap"));
    }

    [Fact]
    public void Some_windows_start_with_bos_at_a_line_start_and_labels_are_the_next_tokens()
    {
        var tokens = Tokens(50_000);
        var data = new TrainingData(tokens, LineStarts(tokens), 256, bosToken: 1, 8);
        var bosShare = Enumerable.Range(0, 4000).Count(i => TrainingData.StartsWithBos(1, 0, i)) / 4000.0;
        Assert.InRange(bosShare, 0.09, 0.16);

        var start = data.TrainingRanges[0].Start + 100;
        var inputs = new int[256];
        var labels = new int[256];
        data.FillWindow(start, withBos: false, inputs, labels);
        Assert.Equal(tokens.AsSpan(start, 256).ToArray(), inputs);
        Assert.Equal(tokens.AsSpan(start + 1, 256).ToArray(), labels);

        data.FillWindow(start, withBos: true, inputs, labels);
        Assert.Equal(1, inputs[0]);
        var line = LineStarts(tokens).First(s => s >= start);
        Assert.Equal(tokens.AsSpan(line, 255).ToArray(), inputs[1..]);
        Assert.Equal(tokens.AsSpan(line, 256).ToArray(), labels);
    }

    [Fact]
    public void Too_short_a_text_is_refused_before_any_native_call()
    {
        var e = Assert.Throws<TrainingInputException>(() => new TrainingData(Tokens(513), [0], 256, 1, 8));
        Assert.Contains("needs at least 514", e.Message, StringComparison.Ordinal);
        var smallest = new TrainingData(Tokens(514), [0], 256, 1, 8);
        Assert.Equal(1, smallest.WindowsPerEpoch);
        Assert.Single(smallest.ValidationStarts);
    }

    [Fact]
    public void The_schedule_warms_up_linearly_then_decays_by_cosine_to_the_minimum()
    {
        var s = new LearningRateSchedule(Peak: 2e-3, Min: 5e-5, WarmupSteps: 50);
        Assert.Equal(2e-3 / 50, s.At(0, 0), 12);
        Assert.Equal(2e-3 * 25 / 50, s.At(0, 24), 12);
        Assert.Equal(2e-3, s.At(0, 49), 12);
        Assert.Equal((2e-3 + 5e-5) / 2, s.At(0.5, 1000), 12);
        Assert.Equal(5e-5, s.At(1, 1000), 12);
        Assert.Equal(5e-5, s.At(1.5, 1000), 12); // past the plan: stays at the minimum
        // A resumed session warms up again from its own first step.
        Assert.Equal(s.At(0.5, 1000) / 50, s.At(0.5, 0), 12);
    }
}
