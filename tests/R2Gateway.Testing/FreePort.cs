using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace R2Gateway.Testing;

/// <summary>Loopback ports for servers that cannot bind port 0 themselves (radosgw, receiver.py, a
/// gateway process). Prefer port 0 wherever the server can report the port it bound.</summary>
/// <remarks>Ports come from below the kernel's ephemeral range: a port picked there can be taken by
/// any outgoing connection (thousands a minute in a full run) while its server is down between a
/// Stop and a Start, and then the restart fails or another server answers in its place.</remarks>
public static class FreePort
{
    private const int Lowest = 10000;
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>A port free on <paramref name="address"/> (loopback unless told; <see cref="IPAddress.Any"/>
    /// for a server that binds every interface), never given before in this process.</summary>
    public static int Next(IPAddress? address = null)
    {
        var below = EphemeralLow();
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, below);
            if (Given.ContainsKey(port) || !IsFree(address ?? IPAddress.Loopback, port))
            {
                continue;
            }

            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free port found between {Lowest} and {below}.");
    }

    private static bool IsFree(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], out var low) && low > Lowest + 1000
            ? low
            : 32768;
    }
}
