namespace CustomGpt.ModelApi.Training;

/// <summary>Training texts are the operator's data: folders 0700 and files 0600, readable by the service's user only.</summary>
static class OwnerOnly
{
    const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static string Folder(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else
        {
            Directory.CreateDirectory(path, FolderMode);
            File.SetUnixFileMode(path, FolderMode); // also when it existed already
        }
        return path;
    }

    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerReadWrite;
        return new FileStream(path, options);
    }

    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path)) File.SetUnixFileMode(path, OwnerReadWrite);
    }

    /// <summary>Writes the whole file at once (a temporary file moved into place), so a crash never leaves half of it.</summary>
    public static void WriteAllText(string path, string text)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = Create(temp))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        File.Move(temp, path, overwrite: true);
    }
}
