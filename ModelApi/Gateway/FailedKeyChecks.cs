using System.Collections.Concurrent;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Wrong keys per client address and minute, so keys cannot be guessed at speed: past <see cref="PerMinute"/> every key
/// from that address is refused (429 with Retry-After) until the minute ends, the right one too (else the answer would
/// still tell a right guess from a wrong one). Counted in the key database when there is one, so instances sharing it
/// add up; in memory otherwise (API_KEY alone needs no database). An address's count is read again at most once a second,
/// so a busy client costs one read a second, not one per request.
/// </summary>
public sealed class FailedKeyChecks(KeyDatabase database, TimeProvider time)
{
    public const int PerMinute = 20;
    const int MaxAddresses = 10_000;
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    readonly ConcurrentDictionary<string, (long WindowStart, long Count, DateTimeOffset ReadAt)> seen = new(StringComparer.Ordinal);

    /// <summary>Seconds until this address may try keys again, or null when it may now. Throws when the database is down.</summary>
    public async ValueTask<int?> RetryAfterAsync(string address)
    {
        var now = time.GetUtcNow();
        var window = RateWindow.At(now.ToUnixTimeSeconds());
        long count;
        if (seen.TryGetValue(address, out var known) && known.WindowStart == window.Start && (database.Store is null || now - known.ReadAt < Fresh))
            count = known.Count;
        else if (database.Store is { } store)
        {
            count = await store.FailedKeysAsync(address, window);
            Remember(address, window, count, now);
        }
        else count = 0;
        return count >= PerMinute ? window.SecondsLeft(now.ToUnixTimeSeconds()) : null;
    }

    /// <summary>Counts one wrong key from this address.</summary>
    public async Task CountAsync(string address)
    {
        var now = time.GetUtcNow();
        var window = RateWindow.At(now.ToUnixTimeSeconds());
        if (database.Store is { } store)
        {
            Remember(address, window, await store.CountFailedKeyAsync(address, window), now);
            return;
        }
        seen.AddOrUpdate(address, _ => (window.Start, 1, now), (_, old) => (window.Start, old.WindowStart == window.Start ? old.Count + 1 : 1, now));
    }

    void Remember(string address, RateWindow window, long count, DateTimeOffset now)
    {
        if (seen.Count >= MaxAddresses) seen.Clear();
        seen[address] = (window.Start, count, now);
    }
}
