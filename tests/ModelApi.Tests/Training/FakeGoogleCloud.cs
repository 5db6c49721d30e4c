using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CustomGpt.ModelApi.Tests.Training;

/// <summary>
/// A fake metadata server (GCE_METADATA_HOST) and a fake Cloud Storage JSON API (STORAGE_EMULATOR_HOST) with one bucket in
/// memory, each a real HTTP server on 127.0.0.1, answering the calls Google's client library makes as Google does:
/// no token without Metadata-Flavor: Google, nothing without the Bearer token; resumable uploads (POST for a session,
/// PUTs with Content-Range, 308 until the last byte), object listing with prefix and delimiter, object metadata, media
/// download. An upload whose X-Goog-Hash MD5 does not match what arrived is refused, as Cloud Storage does.
/// </summary>
public sealed class FakeGoogleCloud : IAsyncDisposable
{
    public const string Token = "ya29.service-account-token-for-bucket-tests";

    public sealed record StoredObject(string Name, byte[] Content, string? ContentType, Dictionary<string, string> Metadata, long Generation, DateTimeOffset Created);

    sealed class Session(string name, string? contentType, Dictionary<string, string> metadata)
    {
        public readonly string Name = name;
        public readonly string? ContentType = contentType;
        public readonly Dictionary<string, string> Metadata = metadata;
        public readonly MemoryStream Received = new();
    }

    readonly WebApplication metadata;
    readonly WebApplication storage;
    readonly ConcurrentDictionary<string, Session> sessions = new();
    long generation = 1_700_000_000_000_000;

    public string Bucket { get; }
    public ConcurrentDictionary<string, StoredObject> Objects { get; } = new();
    /// <summary>Every request the storage fake got: method and raw target.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();
    /// <summary>Requests the fake does not know (a test fails on any).</summary>
    public ConcurrentQueue<string> Unknown { get; } = new();
    /// <summary>Listings answered to the end (whoever listed has the answer).</summary>
    public int Listings => listings;
    int listings;
    /// <summary>When set, uploads are refused with this status (403: the account lacks a role; 500: Cloud Storage fails).</summary>
    public int? RefuseUploads { get; set; }

    FakeGoogleCloud(string bucket)
    {
        Bucket = bucket;
        metadata = Loopback();
        metadata.MapGet("/computeMetadata/v1/instance/service-accounts/default/token", (HttpContext c) =>
            c.Request.Headers["Metadata-Flavor"] != "Google"
                ? Results.StatusCode(StatusCodes.Status403Forbidden)
                : Results.Json(new { access_token = Token, expires_in = 3599, token_type = "Bearer" }));
        storage = Loopback();
        storage.Run(ServeAsync);
    }

    /// <summary>An object put there by someone else (e.g. a Cloud Run job through its bucket volume): no custom metadata.</summary>
    public void Put(string name, byte[] content) =>
        Objects[name] = new StoredObject(name, content, "application/octet-stream", [], Interlocked.Increment(ref generation), DateTimeOffset.UtcNow);

    public static async Task<FakeGoogleCloud> StartAsync(string bucket)
    {
        var fake = new FakeGoogleCloud(bucket);
        await fake.metadata.StartAsync();
        await fake.storage.StartAsync();
        return fake;
    }

    public string MetadataHost => new Uri(metadata.Urls.First()).Authority;

    public string StorageHost => new Uri(storage.Urls.First()).Authority;

    static WebApplication Loopback()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder.Build();
    }

    async Task ServeAsync(HttpContext c)
    {
        var target = c.Features.Get<IHttpRequestFeature>()!.RawTarget;
        Requests.Enqueue($"{c.Request.Method} {target}");
        if (c.Request.Headers.Authorization != "Bearer " + Token)
        {
            await ErrorAsync(c, StatusCodes.Status401Unauthorized, "Invalid Credentials");
            return;
        }
        var path = target.Split('?')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var query = c.Request.Query;
        switch (c.Request.Method, segments)
        {
            case ("POST", ["upload", "storage", "v1", "b", var bucket, "o"]) when query["uploadType"] == "resumable" && bucket == Bucket:
                await StartUploadAsync(c);
                return;
            case ("PUT", ["upload", "storage", "v1", "b", var bucket, "o"]) when query["upload_id"].ToString() is { Length: > 0 } id && bucket == Bucket:
                await ContinueUploadAsync(c, id);
                return;
            case ("GET", ["storage", "v1", "b", var bucket, "o"]) when bucket == Bucket:
                await ListAsync(c);
                return;
            case ("GET", ["storage", "v1", "b", var bucket, "o", var name]) when bucket == Bucket:
                if (!Objects.TryGetValue(name, out var stored) || (query["generation"].ToString() is { Length: > 0 } g && g != stored.Generation.ToString(CultureInfo.InvariantCulture)))
                {
                    await ErrorAsync(c, StatusCodes.Status404NotFound, "No such object: " + Bucket + "/" + name);
                    return;
                }
                if (query["alt"] == "media")
                {
                    c.Response.ContentType = stored.ContentType ?? "application/octet-stream";
                    c.Response.ContentLength = stored.Content.Length;
                    c.Response.Headers["x-goog-hash"] = "md5=" + Md5(stored.Content);
                    await c.Response.Body.WriteAsync(stored.Content);
                }
                else
                {
                    await c.Response.WriteAsJsonAsync(Resource(stored));
                }
                return;
        }
        Unknown.Enqueue($"{c.Request.Method} {target}");
        await ErrorAsync(c, StatusCodes.Status404NotFound, "Not Found");
    }

    /// <summary>POST .../o?uploadType=resumable with the object's resource as JSON: a session, at the address in Location.</summary>
    async Task StartUploadAsync(HttpContext c)
    {
        if (RefuseUploads is { } status)
        {
            await ErrorAsync(c, status, status == 403 ? "service-account@project.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object." : "Backend Error");
            return;
        }
        using var body = await JsonDocument.ParseAsync(Body(c));
        var root = body.RootElement;
        var name = root.TryGetProperty("name", out var n) ? n.GetString() : c.Request.Query["name"].ToString();
        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(c, StatusCodes.Status400BadRequest, "Required: name");
            return;
        }
        var meta = root.TryGetProperty("metadata", out var m) ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];
        var contentType = root.TryGetProperty("contentType", out var t) ? t.GetString() : null;
        var id = Guid.NewGuid().ToString("N");
        sessions[id] = new Session(name, contentType, meta);
        c.Response.Headers.Location = $"http://{StorageHost}/upload/storage/v1/b/{Bucket}/o?uploadType=resumable&upload_id={id}";
    }

    /// <summary>PUT to the session with Content-Range "bytes FIRST-LAST/TOTAL" (or "bytes */TOTAL"): 308 until the whole object has come.</summary>
    async Task ContinueUploadAsync(HttpContext c, string id)
    {
        if (!sessions.TryGetValue(id, out var session))
        {
            await ErrorAsync(c, StatusCodes.Status404NotFound, "No such upload session");
            return;
        }
        var range = c.Request.Headers.ContentRange.ToString();
        var total = range.Split('/') is [_, var t] && long.TryParse(t, out var whole) ? whole : (long?)null;
        await Body(c).CopyToAsync(session.Received);
        if (total is null || session.Received.Length < total)
        {
            c.Response.StatusCode = 308;
            if (session.Received.Length > 0) c.Response.Headers["Range"] = $"bytes=0-{session.Received.Length - 1}";
            return;
        }
        var content = session.Received.ToArray();
        sessions.TryRemove(id, out _);
        foreach (var hash in c.Request.Headers["X-Goog-Hash"].SelectMany(h => h!.Split(',')))
        {
            if (hash.Trim().StartsWith("md5=", StringComparison.Ordinal) && hash.Trim()[4..] != Md5(content))
            {
                await ErrorAsync(c, StatusCodes.Status400BadRequest, "The MD5 you specified did not match what we received.");
                return;
            }
        }
        var stored = new StoredObject(session.Name, content, session.ContentType, session.Metadata, Interlocked.Increment(ref generation), DateTimeOffset.UtcNow);
        Objects[session.Name] = stored;
        await c.Response.WriteAsJsonAsync(Resource(stored));
    }

    /// <summary>GET .../o?prefix=P&amp;delimiter=/: the objects directly under P, and the folders below it as prefixes.</summary>
    async Task ListAsync(HttpContext c)
    {
        var prefix = c.Request.Query["prefix"].ToString();
        var delimiter = c.Request.Query["delimiter"].ToString();
        var items = new List<object>();
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var o in Objects.Values.Where(o => o.Name.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            var rest = o.Name[prefix.Length..];
            if (delimiter.Length > 0 && rest.IndexOf(delimiter, StringComparison.Ordinal) is >= 0 and var at)
                prefixes.Add(prefix + rest[..(at + delimiter.Length)]);
            else
                items.Add(Resource(o));
        }
        await c.Response.WriteAsJsonAsync(new { kind = "storage#objects", items, prefixes });
        await c.Response.CompleteAsync();
        Interlocked.Increment(ref listings);
    }

    Dictionary<string, object?> Resource(StoredObject o) => new Dictionary<string, object?>
    {
        ["kind"] = "storage#object", ["id"] = $"{Bucket}/{o.Name}/{o.Generation}", ["name"] = o.Name, ["bucket"] = Bucket,
        ["generation"] = o.Generation.ToString(CultureInfo.InvariantCulture), ["metageneration"] = "1", ["contentType"] = o.ContentType,
        ["size"] = o.Content.Length.ToString(CultureInfo.InvariantCulture), ["md5Hash"] = Md5(o.Content),
        ["timeCreated"] = o.Created.ToString("O", CultureInfo.InvariantCulture), ["updated"] = o.Created.ToString("O", CultureInfo.InvariantCulture),
        ["metadata"] = o.Metadata.Count > 0 ? o.Metadata : null,
    };

    /// <summary>The request's body; the library gzips what it sends (GZipEnabled), as Google's front end accepts.</summary>
    static Stream Body(HttpContext c) =>
        c.Request.Headers.ContentEncoding == "gzip" ? new System.IO.Compression.GZipStream(c.Request.Body, System.IO.Compression.CompressionMode.Decompress) : c.Request.Body;

    /// <summary>An object's MD5, base64, as Cloud Storage gives it (md5Hash, X-Goog-Hash): its integrity check, not security.</summary>
#pragma warning disable CA5351 // MD5 is what Cloud Storage uses to check that an object arrived whole
    static string Md5(byte[] content) => Convert.ToBase64String(MD5.HashData(content));
#pragma warning restore CA5351

    static async Task ErrorAsync(HttpContext c, int status, string message)
    {
        c.Response.StatusCode = status;
        await c.Response.WriteAsJsonAsync(new { error = new { code = status, message, errors = new[] { new { message, domain = "global", reason = status == 403 ? "forbidden" : "error" } } } });
    }

    public async ValueTask DisposeAsync()
    {
        await metadata.DisposeAsync();
        await storage.DisposeAsync();
    }
}
