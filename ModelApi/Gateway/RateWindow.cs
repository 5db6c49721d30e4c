namespace CustomGpt.ModelApi.Gateway;

/// <summary>Fixed one-minute windows on the Unix clock: every instance agrees where a minute starts,
/// so counts kept in the shared database add up across instances. Times come from the injected TimeProvider.</summary>
public readonly record struct RateWindow(long Start)
{
    public const int Seconds = 60;

    public static RateWindow At(long unixSeconds) => new(unixSeconds - unixSeconds % Seconds);

    public static RateWindow At(TimeProvider time) => At(time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>Whole seconds from <paramref name="now"/> until the next window starts (at least 1).</summary>
    public int SecondsLeft(long now) => (int)Math.Max(1, Start + Seconds - now);
}
