using System.Net.Sockets;
using System.Text;

namespace CustomGpt.ModelApi.Tests;

/// <summary>Requests shaped to break the server's own bookkeeping: its log, and its answer to a body that never comes.</summary>
public sealed class HostileRequestTests
{
    [Fact]
    public async Task A_path_with_a_newline_stays_inside_its_own_log_entry()
    {
        using var api = await new ModelApiProcess(TestModels.Tiny).ReadyAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        using var forged = await http.GetAsync(new Uri("/x%0Ainfo:%20FORGED%1B[31m", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, forged.StatusCode);

        await Api.EventuallyAsync(() => api.Output.Contains("FORGED", StringComparison.Ordinal), "the access log has the request");
        var lines = api.Output.Split('\n');
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("info: FORGED", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"GET /x\ninfo: FORGED\u001b[31m 404", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', api.Output); // no terminal escape reaches whoever reads the log
    }

    [Fact]
    public async Task A_body_sent_a_byte_a_second_gets_408_not_500()
    {
        using var server = await new ApiServer(TestModels.Tiny).ReadyAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Http.BaseAddress!.Host, server.Http.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /tokenize HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"));
        var answer = ReadStatusLineAsync(stream);
        // Kestrel allows 240 bytes a second after a 5-second grace period; a byte a second falls behind after that.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1)); // a hang guard, not a timing assertion
        while (!answer.IsCompleted && !guard.IsCancellationRequested)
        {
            try
            {
                await stream.WriteAsync(" "u8.ToArray(), guard.Token);
            }
            catch (IOException)
            {
                break; // the server closed the connection after answering
            }
            await Task.WhenAny(answer, Task.Delay(1000, guard.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        }
        Assert.StartsWith("HTTP/1.1 408", await answer.WaitAsync(TimeSpan.FromMinutes(1)), StringComparison.Ordinal);
    }

    static async Task<string> ReadStatusLineAsync(NetworkStream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != '\n') line.Append((char)one[0]);
        return line.ToString();
    }
}
