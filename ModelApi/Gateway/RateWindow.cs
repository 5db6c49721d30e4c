namespace CustomGpt.ModelApi.Gateway;

/// <summary>Fixed one-minute windows on the Unix clock: every instance agrees where a minute starts,
/// so counts kept in the shared database add up across instances.</summary>
public readonly record struct RateWindow(long Start)
{
    public const int Seconds = 60;

    public static RateWindow Now() => At(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    public static RateWindow At(long unixSeconds) => new(unixSeconds - unixSeconds % Seconds);

    /// <summary>Whole seconds until the next window starts (at least 1).</summary>
    public int SecondsLeft => (int)Math.Max(1, Start + Seconds - DateTimeOffset.UtcNow.ToUnixTimeSeconds());
}
