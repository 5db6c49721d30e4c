using System.Collections.Concurrent;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// Looks a presented secret up by its SHA-256 and remembers the answer for 2 seconds, so a busy key
/// costs one database read every 2 s instead of one per request, and a revocation made on any
/// instance is seen by every instance within 2 s (the promise is 5). Unknown keys are remembered
/// too, so a flood of made-up keys does not become a flood of queries.
/// </summary>
public sealed class VerifiedKeys(KeyDatabase database, TimeProvider time)
{
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(2);
    const int MaxEntries = 10_000;
    readonly ConcurrentDictionary<string, (KeyRow? Key, long At)> cache = new(StringComparer.Ordinal);

    /// <summary>The stored key for this secret, or null when there is none. Throws when the database is down.</summary>
    public async ValueTask<KeyRow?> FindAsync(string secret)
    {
        var hash = KeySecret.Hash(secret);
        if (cache.TryGetValue(hash, out var hit) && time.GetElapsedTime(hit.At) < Fresh) return hit.Key;
        var key = await database.Store!.FindByHashAsync(hash);
        database.Answered();
        if (cache.Count >= MaxEntries) cache.Clear();
        cache[hash] = (key, time.GetTimestamp());
        return key;
    }

    /// <summary>A change made here takes effect here at once.</summary>
    public void Forget(string keyHash) => cache.TryRemove(keyHash, out _);
}
