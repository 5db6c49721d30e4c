namespace CustomGpt.Trainer.Training;

/// <summary>
/// Cuts a corpus into training and held-out validation windows. The validation text is spread over
/// the corpus (up to 20 evenly spaced pieces, about 5% in all) so it samples every part of it.
/// Each epoch visits every training window once, in a shuffled order, from a random offset;
/// some windows start with BOS at a line start so generation from BOS (an empty prompt) works.
/// </summary>
public sealed class TrainingData
{
    public const double ValidationFraction = 0.05;
    public const int MaxValidationPieces = 20;
    /// <summary>About one window in eight begins with BOS followed by the start of a line.</summary>
    public const double BosFraction = 0.125;

    readonly int[] tokens;
    readonly int[] lineStarts;
    readonly int bos;

    public TrainingData(int[] tokens, int[] lineStarts, int window, int bosToken, int maxValidationWindows, double validationShare = ValidationFraction)
    {
        this.tokens = tokens;
        this.lineStarts = lineStarts;
        Window = window;
        bos = bosToken;
        if (tokens.Length < MinimumLength(window))
            throw new TrainingInputException(
                $"The text has {tokens.Length:N0} characters; a context of {window} needs at least {MinimumLength(window):N0} " +
                $"(one {window}-character training window, one validation window, and the character after each).");

        var span = window + 1;
        var k = (int)Math.Clamp(Math.Floor(tokens.Length * validationShare / span), 1, MaxValidationPieces);
        var pieceLength = Math.Max(span, (int)(tokens.Length * validationShare / k));
        if (tokens.Length - (long)k * pieceLength < span) (k, pieceLength) = (1, span);
        var validation = new List<(int Start, int End)>();
        var training = new List<(int Start, int End)>();
        var cursor = 0;
        for (var j = 0; j < k; j++)
        {
            var end = j == k - 1 ? tokens.Length : (int)((long)(j + 1) * tokens.Length / k);
            var start = end - pieceLength;
            if (start - cursor >= span) training.Add((cursor, start));
            validation.Add((start, end));
            cursor = end;
        }
        TrainingRanges = training;
        ValidationRanges = validation;
        TrainingTokens = training.Sum(r => (long)(r.End - r.Start));
        ValidationTokens = validation.Sum(r => (long)(r.End - r.Start));
        WindowsPerEpoch = training.Sum(r => WindowsIn(r.End - r.Start));

        // Fixed validation windows: non-overlapping, evenly thinned to the maximum.
        var all = validation.SelectMany(r => Enumerable.Range(0, WindowsIn(r.End - r.Start)).Select(m => r.Start + m * window)).ToList();
        var count = Math.Min(all.Count, Math.Max(1, maxValidationWindows));
        ValidationStarts = [.. Enumerable.Range(0, count).Select(i => all[(int)((long)i * all.Count / count)])];
    }

    public int Window { get; }
    public IReadOnlyList<(int Start, int End)> TrainingRanges { get; }
    public IReadOnlyList<(int Start, int End)> ValidationRanges { get; }
    public long TrainingTokens { get; }
    public long ValidationTokens { get; }
    public int WindowsPerEpoch { get; }
    public IReadOnlyList<int> ValidationStarts { get; }

    public static int MinimumLength(int window) => 2 * (window + 1);

    int WindowsIn(int length) => length < Window + 1 ? 0 : (length - 1 - Window) / Window + 1;

    /// <summary>The window starts of one epoch, shuffled; the same (seed, epoch) always gives the same order.</summary>
    public int[] EpochStarts(int seed, int epoch)
    {
        var rng = new Random(Mix(seed, epoch, -1));
        var starts = new List<int>(WindowsPerEpoch);
        foreach (var (a, b) in TrainingRanges)
        {
            var n = WindowsIn(b - a);
            if (n == 0) continue;
            var slack = b - a - 1 - Window - (n - 1) * Window; // characters this range leaves over, 0..Window-1
            var offset = rng.Next(slack + 1);
            for (var m = 0; m < n; m++) starts.Add(a + offset + m * Window);
        }
        var array = starts.ToArray();
        rng.Shuffle(array);
        return array;
    }

    /// <summary>Whether the window at this position of an epoch begins with BOS (decided by seed, epoch and index).</summary>
    public static bool StartsWithBos(int seed, int epoch, int index) =>
        (Mix(seed, epoch, index) & 0xFFFFFF) / (double)0x1000000 < BosFraction;

    /// <summary>
    /// Writes one window: inputs and the tokens that follow them. With <paramref name="withBos"/> the
    /// window is BOS then the text from the first line start at or after <paramref name="start"/>
    /// (when one fits in the same training range), so the model learns what begins a line.
    /// </summary>
    public void FillWindow(int start, bool withBos, Span<int> inputs, Span<int> labels)
    {
        if (withBos && FindLineStart(start) is int line)
        {
            inputs[0] = bos;
            tokens.AsSpan(line, Window - 1).CopyTo(inputs[1..]);
            tokens.AsSpan(line, Window).CopyTo(labels);
            return;
        }
        tokens.AsSpan(start, Window).CopyTo(inputs);
        tokens.AsSpan(start + 1, Window).CopyTo(labels);
    }

    int? FindLineStart(int start)
    {
        var range = TrainingRanges.FirstOrDefault(r => r.Start <= start && start < r.End);
        var i = Array.BinarySearch(lineStarts, start);
        if (i < 0) i = ~i;
        if (i >= lineStarts.Length) return null;
        var line = lineStarts[i];
        return line + Window <= range.End ? line : null;
    }

    // A stable hash (HashCode.Combine is randomised per process): the same inputs give the same
    // windows on every run, which is what lets a checkpoint resume in the middle of an epoch.
    static int Mix(int seed, int epoch, int index)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)epoch) * 0x9E3779B97F4A7C15UL + (ulong)(uint)index;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    /// <summary>Fills the validation windows (fixed across the run).</summary>
    public (int[] Inputs, int[] Labels) ValidationBatch()
    {
        var inputs = new int[ValidationStarts.Count * Window];
        var labels = new int[inputs.Length];
        for (var i = 0; i < ValidationStarts.Count; i++)
            FillWindow(ValidationStarts[i], false, inputs.AsSpan(i * Window, Window), labels.AsSpan(i * Window, Window));
        return (inputs, labels);
    }
}
