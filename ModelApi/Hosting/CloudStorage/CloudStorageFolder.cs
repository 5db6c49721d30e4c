namespace CustomGpt.ModelApi.Hosting.CloudStorage;

/// <summary>A folder in a bucket, named as gcloud names it: gs://BUCKET or gs://BUCKET/PREFIX (objects under PREFIX/).</summary>
public sealed record CloudStorageFolder(string Bucket, string Prefix)
{
    /// <summary>The object <paramref name="fileName"/> in this folder.</summary>
    public string ObjectName(string fileName) => Prefix + fileName;

    public override string ToString() => CloudStorageObject.Scheme + Bucket + "/" + Prefix;

    /// <summary>Parses gs://BUCKET[/PREFIX[/]]; on failure, <paramref name="problem"/> says what is wrong in words.</summary>
    public static CloudStorageFolder? Parse(string raw, out string problem)
    {
        problem = "";
        var value = raw.Trim();
        if (!CloudStorageObject.IsCloudStorage(value))
        {
            problem = "it must be gs://BUCKET or gs://BUCKET/PREFIX";
            return null;
        }
        var rest = value[CloudStorageObject.Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (!CloudStorageObject.IsBucketName(bucket))
            problem = $"'{bucket}' is not a bucket name (3 to 222 lowercase letters, digits, '-', '_' and '.', beginning and ending with a letter or digit)";
        else if (prefix.Contains("//", StringComparison.Ordinal) || (prefix.Length > 0 && !CloudStorageObject.IsObjectName(prefix)))
            problem = "the prefix is not a folder name Cloud Storage accepts (no empty segments, no line breaks, at most 1024 bytes)";
        return problem.Length == 0 ? new CloudStorageFolder(bucket, prefix.Length == 0 ? "" : prefix + "/") : null;
    }
}
