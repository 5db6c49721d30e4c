using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace CustomGpt.Dashboard.Tests;

/// <summary>
/// Debian's nginx on 127.0.0.1 as a stand-in for a platform proxy (Fly's): each request, WebSocket upgrades
/// included, goes to the next upstream in turn, with no stickiness. Its own prefix, config and logs in a temp
/// folder; stops with the test.
/// </summary>
public sealed class RoundRobinProxy : IDisposable
{
    public const string NginxPath = "/usr/sbin/nginx";

    readonly Process process;
    readonly string prefix;

    /// <summary>One request the proxy passed on: which upstream(s) took it ("127.0.0.1:A" or, after a failed try, "127.0.0.1:A, 127.0.0.1:B").</summary>
    public sealed record Passed(string Method, string Path, int Status, string Upstream);

    public RoundRobinProxy(params Uri[] upstreams)
    {
        if (!File.Exists(NginxPath)) throw new InvalidOperationException($"{NginxPath} is missing: apt-get install -y nginx-light");
        prefix = Directory.CreateTempSubdirectory("customgpt-nginx-").FullName;
        // Run as root, nginx's worker drops to `nobody`: it must reach the temp folders it creates here.
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(prefix, (UnixFileMode)0b111_101_101);
        var port = ServerProcess.FreePort();
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), Config(port, upstreams));
        process = Process.Start(new ProcessStartInfo(NginxPath, ["-p", prefix + "/", "-c", "nginx.conf", "-e", "error.log"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not start nginx");
        Address = new Uri($"http://127.0.0.1:{port}/");
        WaitUntilListening(port);
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    /// <summary>Requests passed on so far, in the order they ended (a WebSocket's line is written when it closes).</summary>
    public IReadOnlyList<Passed> Log()
    {
        var path = Path.Combine(prefix, "access.log");
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 4))
            .Select(f => new Passed(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3]))
            .ToList();
    }

    static string Config(int port, Uri[] upstreams) => $$"""
        worker_processes 1;
        daemon off;
        pid nginx.pid;
        error_log error.log warn;
        events { worker_connections 512; }
        http {
          log_format passed '$request_method $uri $status $upstream_addr';
          access_log access.log passed;
          client_body_temp_path client_body;
          proxy_temp_path proxy;
          fastcgi_temp_path fastcgi;
          uwsgi_temp_path uwsgi;
          scgi_temp_path scgi;
          # Round robin per request, no affinity of any kind: what the Dashboard must cope with.
          upstream dashboards {
        {{string.Concat(upstreams.Select(u => $"    server {u.Host}:{u.Port};\n"))}}
          }
          map $http_upgrade $connection_upgrade { default upgrade; '' close; }
          server {
            listen 127.0.0.1:{{port}};
            location / {
              proxy_pass http://dashboards;
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_set_header Host $http_host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_buffering off;
              proxy_read_timeout 1h;
            }
          }
        }
        """;

    void WaitUntilListening(int port)
    {
        for (var i = 0; i < 600; i++) // a hang guard of 30 s, not a timing assertion
        {
            if (process.HasExited) break;
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        var errors = File.Exists(Path.Combine(prefix, "error.log")) ? File.ReadAllText(Path.Combine(prefix, "error.log")) : "";
        Dispose();
        throw new InvalidOperationException("nginx did not start listening:\n" + errors);
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        try
        {
            Directory.Delete(prefix, recursive: true);
        }
        catch (IOException)
        {
            // a worker still closing a file: the temp folder is left behind
        }
    }
}
