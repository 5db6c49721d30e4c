using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CustomGpt.ModelApi.Gateway;

/// <summary>
/// The plain-text log (every LOG_FORMAT but json), laid out as .NET's simple console format ("info: Category[0]",
/// then the message indented), with control characters in the message written as escapes (\n, \r, \t, \u001b):
/// whatever a caller puts in a path, header or body, one log entry stays one entry, and a terminal reading the log
/// runs no escape sequences. An exception's lines stay lines, each indented under its entry.
/// </summary>
public sealed class TextLogFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "text";
    const string Padding = "      ";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;
        var line = new StringBuilder()
            .Append(Level(logEntry.LogLevel)).Append(": ").Append(logEntry.Category).Append('[').Append(logEntry.EventId.Id).Append(']').Append('\n')
            .Append(Padding);
        Escape(line, message ?? "", keepNewLines: false);
        if (logEntry.Exception is { } e)
        {
            line.Append('\n').Append(Padding);
            Escape(line, e.ToString(), keepNewLines: true);
        }
        textWriter.Write(line.Append('\n').ToString());
    }

    /// <summary>Control characters (and the Unicode line and paragraph separators) as C-style escapes;
    /// with <paramref name="keepNewLines"/>, a newline starts an indented line instead.</summary>
    public static void Escape(StringBuilder to, string text, bool keepNewLines)
    {
        foreach (var c in text)
        {
            if (keepNewLines && c == '\n') to.Append('\n').Append(Padding);
            else if (keepNewLines && c == '\r') continue;
            else if (c == '\n') to.Append(@"\n");
            else if (c == '\r') to.Append(@"\r");
            else if (c == '\t') to.Append(@"\t");
            else if (char.IsControl(c) || c is '\u2028' or '\u2029') to.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else to.Append(c);
        }
    }

    static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
