using System.Net.Sockets;
using System.Text;

namespace R2Gateway.Testing;

/// <summary>A request written by hand on a raw connection: a head that declares a body, and only part
/// of that body, as a client that stalls or crashes mid-upload sends.</summary>
public sealed class PartialRequest : IDisposable
{
    private readonly TcpClient _client = new();

    private PartialRequest()
    {
    }

    public NetworkStream Stream => _client.GetStream();

    /// <summary>Connects to <paramref name="gateway"/>'s server and sends the head and <paramref name="sentBytes"/> random bytes.</summary>
    public static async Task<PartialRequest> StartAsync(HttpClient gateway, string method, string url, long declaredLength, int sentBytes)
    {
        var request = new PartialRequest();
        await request._client.ConnectAsync(gateway.BaseAddress!.Host, gateway.BaseAddress.Port);
        await request.Stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {url} HTTP/1.1\r\nHost: test\r\nContent-Length: {declaredLength}\r\n\r\n"));
        await request.Stream.WriteAsync(GatewayApi.RandomBytes(sentBytes));
        await request.Stream.FlushAsync();
        return request;
    }

    /// <summary>Sends <paramref name="body"/> chunked for as long as the server reads it, and returns the server's
    /// answer. A server refusing a body that is too large answers and closes before the body is all sent, which
    /// HttpClient may report as a failed send (a broken pipe) instead of the answer.</summary>
    public static async Task<HttpResponseMessage> SendChunkedAsync(Uri gateway, HttpMethod method, string url, byte[] body, string contentType)
    {
        using var request = new PartialRequest();
        await request._client.ConnectAsync(gateway.Host, gateway.Port);
        var stream = request.Stream;
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"{method} {url} HTTP/1.1\r\nHost: test\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
        var sending = Task.Run(async () =>
        {
            try
            {
                foreach (var chunk in body.Chunk(64 * 1024))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
                    await stream.WriteAsync(chunk);
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }

                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
            catch (IOException)
            {
                // The server stopped reading the body; its answer is read below.
            }
        });
        using var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer); // to the end: the request asked for Connection: close
        }
        catch (IOException) when (answer.Length > 0)
        {
            // A reset after the answer, for the body the server never read.
        }

        await sending;
        return Parse(answer.ToArray());
    }

    private static HttpResponseMessage Parse(byte[] raw)
    {
        var headEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            throw new InvalidDataException($"No complete HTTP answer in {raw.Length} bytes.");
        }

        var head = Encoding.ASCII.GetString(raw, 0, headEnd).Split("\r\n");
        var headers = head[1..].Select(h => h.Split(':', 2)).ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = raw[(headEnd + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new MemoryStream();
            for (var at = 0; ;)
            {
                var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8) + at;
                var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd - at).Split(';')[0], 16);
                if (size == 0)
                {
                    break;
                }

                decoded.Write(body, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }

            body = decoded.ToArray();
        }

        var response = new HttpResponseMessage((System.Net.HttpStatusCode)int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))
        {
            Content = new ByteArrayContent(body),
        };
        if (headers.TryGetValue("Content-Type", out var type))
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }

        return response;
    }

    /// <summary>Drops the connection with a reset, as a crashed client would.</summary>
    public void Reset()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    public void Dispose() => _client.Dispose();
}
