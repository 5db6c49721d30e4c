using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace CustomGpt.Bench.Soak;

/// <summary>
/// Mixed traffic for a while, from several clients at once: JSON and streaming generate, chat
/// completions, tokenize; 30 % of streams hang up mid-stream and 10 % of requests carry bad bodies.
/// Counts answers by status and measures latency and the server's resident memory.
/// </summary>
public sealed class SoakRun(HttpClient http, Func<long> residentBytes, int clients = 8, int seed = 1)
{
    public sealed record Report(
        IReadOnlyDictionary<int, int> ByStatus, int ServerErrors, int DroppedConnections, int Disconnects,
        double P50Ms, double P99Ms, long ResidentStartBytes, long ResidentEndBytes, int Requests)
    {
        /// <summary>Growth of resident memory from the first to the last quarter of the run after warm-up, in percent.</summary>
        public double ResidentDriftPercent => ResidentStartBytes == 0 ? 0 : (ResidentEndBytes - ResidentStartBytes) * 100.0 / ResidentStartBytes;
    }

    readonly ConcurrentDictionary<int, int> byStatus = new();
    readonly ConcurrentBag<double> latencies = [];
    int dropped, disconnects;

    /// <summary>Runs for <paramref name="duration"/>. Memory is sampled every second after <paramref name="warmUp"/>
    /// (caches filled, JIT done); start and end are the means of the first and last quarter of the samples,
    /// so one garbage collection just before the end does not pass for a trend.</summary>
    public async Task<Report> RunAsync(TimeSpan duration, TimeSpan warmUp)
    {
        using var stop = new CancellationTokenSource(duration);
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(new Random(seed * 1000 + c), stop.Token))).ToArray();
        await Task.Delay(warmUp < duration ? warmUp : duration / 10);
        var samples = new List<long>();
        while (!stop.IsCancellationRequested)
        {
            samples.Add(residentBytes());
            try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(workers);
        samples.Add(residentBytes());
        var quarter = Math.Max(1, samples.Count / 4);
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        return new Report(new SortedDictionary<int, int>(byStatus), byStatus.Where(s => s.Key >= 500).Sum(s => s.Value), dropped, disconnects,
            Percentile(0.50), Percentile(0.99), (long)samples.Take(quarter).Average(), (long)samples.TakeLast(quarter).Average(), byStatus.Values.Sum() + dropped);
    }

    async Task ClientAsync(Random random, CancellationToken stop)
    {
        var bad = new FuzzBodies(random.Next());
        while (!stop.IsCancellationRequested)
        {
            var roll = random.Next(100);
            var seedValue = random.Next(1000);
            try
            {
                if (roll < 10)
                {
                    var route = Pick(random, [.. FuzzBodies.ValidBodies.Keys]);
                    var body = bad.Next(route);
                    await TimedAsync(() => Post((route, body)));
                }
                else if (roll < 40) await StreamAsync(random, seedValue);
                else if (roll < 65) await TimedAsync(() => Post(("/generate", Json($$"""{"prompt":"And God said","seed":{{seedValue}},"num_chars":{{20 + random.Next(60)}}}"""))));
                else if (roll < 85) await TimedAsync(() => Post(("/v1/chat/completions", Json($$"""{"messages":[{"role":"user","content":"Who made the light?"}],"max_tokens":{{10 + random.Next(40)}},"seed":{{seedValue}}}"""))));
                else await TimedAsync(() => Post(("/tokenize", Json("""{"text":"In the beginning God created the heaven and the earth."}"""))));
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref dropped);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // the run ended while this request was in flight
            }
        }
    }

    static HttpRequestMessage Post((string Route, byte[] Body) r)
    {
        var content = new ByteArrayContent(r.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, r.Route) { Content = content };
    }

    async Task TimedAsync(Func<HttpRequestMessage> request)
    {
        var started = Stopwatch.GetTimestamp();
        using var message = request();
        using var response = await http.SendAsync(message);
        await response.Content.ReadAsByteArrayAsync();
        Count(response, started);
    }

    /// <summary>A streaming generate; 30 % of them hang up after the first event, as impatient clients do.</summary>
    async Task StreamAsync(Random random, int seedValue)
    {
        var hangUp = random.Next(100) < 30;
        var started = Stopwatch.GetTimestamp();
        using var message = Post(("/generate", Json($$"""{"prompt":"In the beginning","seed":{{seedValue}},"num_chars":{{(hangUp ? 400 : 40 + random.Next(80))}},"stream":true}""")));
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        if (hangUp && response.IsSuccessStatusCode)
        {
            await reader.ReadLineAsync(); // first event, then leave: the server must free the sequence
            Interlocked.Increment(ref disconnects);
            byStatus.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            return;
        }
        await reader.ReadToEndAsync();
        Count(response, started);
    }

    void Count(HttpResponseMessage response, long started)
    {
        byStatus.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
