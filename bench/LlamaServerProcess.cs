using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CustomGpt.Tests.Shared;

namespace CustomGpt.Bench;

/// <summary>llama.cpp's own llama-server as a process on 127.0.0.1, for `--vs-llama-server`.
/// Dispose ends it (and only it).</summary>
sealed class LlamaServerProcess : IDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> output = new();

    public LlamaServerProcess(string executable, IEnumerable<string> args)
    {
        var port = ServerProcess.FreePort();
        var info = new ProcessStartInfo(executable, [.. args, "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + executable);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Address = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Address { get; }

    /// <summary>CPU time the process has used so far (all cores counted).</summary>
    public TimeSpan CpuTime { get { process.Refresh(); return process.TotalProcessorTime; } }

    /// <summary>Waits until GET /health answers 200 (503 while the model loads); a hang guard of two minutes.</summary>
    public async Task ReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address };
        for (var i = 0; i < 1200; i++)
        {
            if (process.HasExited) break;
            try
            {
                using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { } // not listening yet
            await Task.Delay(100);
        }
        throw new InvalidOperationException("llama-server did not become ready:\n" + string.Join('\n', output.TakeLast(30)));
    }

    /// <summary>The most resident memory the process has had (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill();
        process.WaitForExit();
        process.Dispose();
    }
}
