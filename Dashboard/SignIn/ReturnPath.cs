namespace CustomGpt.Dashboard.SignIn;

/// <summary>Where sign-in sends the visitor back to: a path on this site, or "/".</summary>
public static class ReturnPath
{
    /// <summary>
    /// Local paths only ("//host" and "/\host" lead elsewhere), and only printable ASCII: a Location header
    /// carries nothing else (U+3000 was a 500), and browsers drop tabs and newlines, so "/\t/host" would be "//host".
    /// The sign-in redirect escapes the path it sends, so a real return path never needs more.
    /// </summary>
    public static string Local(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && url.All(c => c is > ' ' and < (char)127)
            ? url
            : "/";
}
