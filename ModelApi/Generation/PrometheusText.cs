using System.Text;

namespace CustomGpt.ModelApi.Generation;

/// <summary>Prometheus text exposition: one family (HELP, TYPE, samples) at a time.</summary>
public static class PrometheusText
{
    public static void Family(StringBuilder sb, string name, string type, string help, params (string Labels, long Value)[] samples)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value) in samples) sb.Append(name).Append(labels).Append(' ').Append(value).Append('\n');
    }

    /// <summary>A label value as the format wants it: backslash, quote and newline escaped.</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
