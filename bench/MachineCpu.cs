using System.Globalization;

namespace CustomGpt.Bench;

/// <summary>The machine's CPU time from /proc/stat (all cores), busy and total, in seconds: how busy the rest
/// of a shared machine was while a side-by-side ran.</summary>
readonly record struct MachineCpu(double Busy, double Total)
{
    public static MachineCpu Read()
    {
        // cpu  user nice system idle iowait irq softirq steal ... (clock ticks, 100 a second)
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(f => double.Parse(f, CultureInfo.InvariantCulture) / 100).ToArray();
        var total = fields.Sum();
        return new MachineCpu(total - fields[3] - fields[4], total);
    }

    /// <summary>The share of all cores' time that processes other than the engines were busy.</summary>
    public double OthersShare(MachineCpu later, TimeSpan engines) =>
        Math.Max(0, later.Busy - Busy - engines.TotalSeconds) / (later.Total - Total);

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
