namespace CustomGpt.Dashboard.Components.Training;

/// <summary>The trainer's presets as the Training page offers them: shape, parameters, and the training speed measured
/// on a 2-core machine (docs/training.md), from which the page estimates what a plan costs.</summary>
public sealed record PresetChoice(string Name, string Shape, int Parameters, int Context, double TokensPerSecond)
{
    public static readonly IReadOnlyList<PresetChoice> All =
    [
        new("tiny", "64 wide × 2 layers", 143_680, 256, 14_000),
        new("small", "192 wide × 4 layers", 2_042_304, 256, 1_900),
        new("medium", "256 wide × 6 layers", 5_262_592, 512, 750),
    ];

    public string Model => "custom-gpt-" + Name;

    /// <summary>One epoch of a text of this many characters, in seconds (about one training character per token).</summary>
    public double EpochSeconds(long characters) => characters * 0.95 / TokensPerSecond;

    public static string Duration(double seconds) =>
        seconds < 90 ? $"{seconds:F0} s" : seconds < 5400 ? $"{seconds / 60:F0} min" : $"{seconds / 3600:F1} h";
}
