using System.Globalization;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>LiteLLM's key durations: a whole number and s, m, h or d ("30s", "15m", "12h", "30d").</summary>
public static class KeyDuration
{
    public static TimeSpan? Parse(string value)
    {
        if (value.Length < 2 || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 36_500)
            return null;
        return value[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
    }
}
