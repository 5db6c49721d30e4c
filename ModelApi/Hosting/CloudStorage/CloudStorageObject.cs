using System.Text;

namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>A Cloud Storage object named the way gcloud and the guides name it: gs://BUCKET/OBJECT.</summary>
public sealed record CloudStorageObject(string Bucket, string Name)
{
    public const string Scheme = "gs://";

    /// <summary>The object's last path segment (its file name in the cache).</summary>
    public string FileName => Name[(Name.LastIndexOf('/') + 1)..];

    /// <summary>The JSON API's download address: the object name is one path segment, '/' escaped as %2F.</summary>
    public Uri MediaUrl(Uri storageEndpoint) =>
        new(storageEndpoint, $"storage/v1/b/{Uri.EscapeDataString(Bucket)}/o/{Uri.EscapeDataString(Name)}?alt=media");

    public override string ToString() => Scheme + Bucket + "/" + Name;

    public static bool IsCloudStorage(string raw) => raw.TrimStart().StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses gs://BUCKET/OBJECT; on failure, <paramref name="problem"/> says what is wrong in words.</summary>
    public static CloudStorageObject? Parse(string raw, out string problem)
    {
        problem = "";
        var rest = raw.Trim()[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash == rest.Length - 1)
        {
            problem = "it names no object: expected gs://BUCKET/path/to/model.gguf";
            return null;
        }
        var bucket = rest[..slash];
        var name = rest[(slash + 1)..];
        if (!IsBucketName(bucket))
            problem = $"'{bucket}' is not a bucket name (3 to 222 lowercase letters, digits, '-', '_' and '.', beginning and ending with a letter or digit)";
        else if (name.EndsWith('/'))
            problem = "it names a folder, not an object: end it with the model's file name";
        else if (!IsObjectName(name))
            problem = "the object name is not one Cloud Storage accepts (at most 1024 bytes, no line breaks, not '.' or '..')";
        return problem.Length == 0 ? new CloudStorageObject(bucket, name) : null;
    }

    /// <summary>What Cloud Storage accepts as an object name: at most 1024 bytes, no line breaks, not '.' or '..'.</summary>
    internal static bool IsObjectName(string name) =>
        name is not ("." or "..") && !name.Any(c => c is '\r' or '\n') && Encoding.UTF8.GetByteCount(name) <= 1024;

    internal static bool IsBucketName(string bucket) =>
        bucket.Length is >= 3 and <= 222
        && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')
        && char.IsAsciiLetterOrDigit(bucket[0]) && char.IsAsciiLetterOrDigit(bucket[^1]);
}
