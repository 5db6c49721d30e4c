using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CustomGpt.Tests.Shared;

/// <summary>
/// A server started as its own process the way an operator starts it (`dotnet X.dll` with env vars),
/// on 127.0.0.1 and a port it picks itself (PORT=0). Dispose kills the whole process tree.
/// </summary>
public class ServerProcess : IDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> output = new();

    public ServerProcess(string dll, string workingDirectory, IEnumerable<(string Key, string Value)> env)
    {
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.Environment["PORT"] = "0";
        info.Environment["HOST"] = "127.0.0.1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in env) info.Environment[key] = value;
        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dll);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            const string marker = "Now listening on: ";
            var at = e.Data.IndexOf(marker, StringComparison.Ordinal);
            // The address ends the line in plain logs, and at the closing quote in JSON logs (LOG_FORMAT=json).
            if (at >= 0) listening.TrySetResult(new Uri(e.Data[(at + marker.Length)..].Split('"')[0].Trim()));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.Exited += (_, _) =>
        {
            process.WaitForExit(); // the output read to its end: the reason it exited is its last lines
            listening.TrySetException(new InvalidOperationException($"{Path.GetFileName(dll)} exited early:\n{Output}"));
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(90)))
        {
            Kill();
            throw new TimeoutException($"{Path.GetFileName(dll)} did not start listening:\n{Output}");
        }
        Address = listening.Task.Result;
    }

    /// <summary>A loopback port nothing listens on (bound, read, released): for a server to take, or to find closed.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    public string Output => string.Join('\n', output);

    public bool HasExited => process.HasExited;

    /// <summary>The process ids of its children (Linux: /proc/PID/task/*/children).</summary>
    public IReadOnlyList<int> ChildIds() =>
        [.. Directory.GetDirectories($"/proc/{process.Id}/task").SelectMany(t => File.ReadAllText(Path.Combine(t, "children"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).Distinct()];

    /// <summary>CPU time the server process has used so far (all cores counted).</summary>
    public TimeSpan CpuTime { get { process.Refresh(); return process.TotalProcessorTime; } }

    /// <summary>Resident memory of the server process now (VmRSS), in bytes.</summary>
    public long ResidentBytes() => ProcStatusBytes("VmRSS:");

    /// <summary>The most resident memory the server process has had (VmHWM), in bytes.</summary>
    public long PeakResidentBytes() => ProcStatusBytes("VmHWM:");

    long ProcStatusBytes(string field)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Sends a POSIX signal, as a platform does when it stops a container.</summary>
    public void Signal(string name) => Process.Start("kill", ["-" + name, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Waits for the process to end by itself (a hang guard of a minute) and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return process.ExitCode;
    }

    /// <summary>Stops the server now (the test wants it gone), and waits until it is.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        process.Dispose();
    }
}
