using System.Security.Cryptography;

namespace CustomGpt.ModelApi.Hosting;

/// <summary>The downloaded-model cache: a folder only this user can use, files named per URL, and a
/// stamp beside each verified file with its SHA-256.</summary>
static class ModelCache
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder as 0700, or checks that an existing one is a real folder this user owns
    /// (chmod succeeds only for the owner), so nobody else can plant or swap files in it.</summary>
    public static void EnsurePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) // the service runs on Linux; Windows has no modes to set
        {
            Directory.CreateDirectory(folder);
            return;
        }
        var info = new DirectoryInfo(folder);
        if (info.Exists && info.LinkTarget is not null)
            throw new ModelDownloadException("MODEL_CACHE_DIR is a symbolic link; use a real folder owned by the service's user.");
        if (!info.Exists)
        {
            Directory.CreateDirectory(folder, Private);
            return;
        }
        try
        {
            File.SetUnixFileMode(folder, Private);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ModelDownloadException("MODEL_CACHE_DIR belongs to another user; use a folder owned by the service's user.");
        }
    }

    /// <summary>Create-new (fails on anything already there, a planted link included), readable by this user only.</summary>
    public static FileStreamOptions NewPrivateFile
    {
        get
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 20, Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            return options;
        }
    }

    /// <summary>True when the cached file exists, its stamp says it was verified, and it still hashes to that
    /// (and to <paramref name="sha256"/> when given).</summary>
    public static async Task<bool> IsIntactAsync(string file, string stamp, string? sha256, CancellationToken ct)
    {
        if (!File.Exists(file) || !File.Exists(stamp)) return false;
        var stamped = (await File.ReadAllTextAsync(stamp, ct)).Trim();
        if (sha256 is not null && !stamped.Equals(sha256, StringComparison.OrdinalIgnoreCase)) return false;
        await using var stream = File.OpenRead(file);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        return actual.Equals(stamped, StringComparison.OrdinalIgnoreCase);
    }

    public static Task StampAsync(string stamp, string sha256, CancellationToken ct) => File.WriteAllTextAsync(stamp, sha256, ct);

    /// <summary>The URL's file name, prefixed by a digest of the whole URL so two URLs never share a file.</summary>
    public static string FileName(Uri url) => FileName(url.AbsoluteUri, Path.GetFileName(url.AbsolutePath));

    /// <summary><paramref name="name"/> made safe, prefixed by a digest of the whole address (https:// or gs://).</summary>
    public static string FileName(string address, string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        var digest = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(address)))[..12];
        return $"{digest}-{(safe.Length > 0 ? safe : "model.gguf")}";
    }

    /// <summary>A URL fit for a log line: a signed URL's query (its token) is never written out.</summary>
    public static string Redact(Uri url) =>
        url.GetLeftPart(UriPartial.Path) + (url.Query.Length > 1 ? "?<redacted>" : "");
}
