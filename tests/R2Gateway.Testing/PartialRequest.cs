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

    /// <summary>Drops the connection with a reset, as a crashed client would.</summary>
    public void Reset()
    {
        _client.Client.LingerState = new LingerOption(true, 0);
        _client.Close();
    }

    public void Dispose() => _client.Dispose();
}
