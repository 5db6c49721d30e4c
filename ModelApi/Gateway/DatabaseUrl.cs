using Npgsql;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>DATABASE_URL as LiteLLM and Cloud SQL users write it, or an Npgsql connection string.</summary>
public static class DatabaseUrl
{
    /// <summary>
    /// postgresql://user:pass@host:5432/db?sslmode=require, or postgresql://user:pass@/db?host=/cloudsql/PROJECT:REGION:INSTANCE
    /// (Cloud Run's Cloud SQL socket), or "Host=...;Username=...". Throws <see cref="FormatException"/> naming no secret.
    /// </summary>
    public static string ToConnectionString(string value)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            // An empty host (the Cloud SQL form) is not a valid URI host: give it one to parse, then take the real one from ?host=.
            var parsable = value.Replace("@/", "@localhost/", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri)) throw new FormatException("DATABASE_URL is not a valid postgresql:// URL.");
            var userInfo = uri.UserInfo.Split(':', 2);
            builder.Host = uri.Host;
            if (uri.Port > 0) builder.Port = uri.Port;
            builder.Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
            if (userInfo[0].Length > 0) builder.Username = Uri.UnescapeDataString(userInfo[0]);
            if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, setting) = (Uri.UnescapeDataString(pair.Split('=', 2)[0]), Uri.UnescapeDataString(pair.Split('=', 2).ElementAtOrDefault(1) ?? ""));
                try { builder[name == "sslmode" ? "SSL Mode" : name] = setting; }
                catch (ArgumentException) { throw new FormatException($"DATABASE_URL has an unknown setting '{name}'."); }
            }
        }
        else
        {
            try { builder.ConnectionString = value; }
            catch (ArgumentException) { throw new FormatException("DATABASE_URL is neither a postgresql:// URL nor an Npgsql connection string."); }
        }
        // Fail closed quickly: a request waits at most this long for an unreachable database.
        if (!value.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) builder.Timeout = 3;
        if (!value.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase)) builder.CommandTimeout = 5;
        return builder.ConnectionString;
    }
}
