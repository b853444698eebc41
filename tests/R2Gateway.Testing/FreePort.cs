using System.Net;
using System.Net.Sockets;

namespace R2Gateway.Testing;

/// <summary>Loopback ports for servers that cannot bind port 0 themselves (radosgw, receiver.py, a
/// gateway process): the OS picks one that is free now. Prefer port 0 wherever the server can report
/// the port it bound.</summary>
public static class FreePort
{
    /// <summary>A port free on <paramref name="address"/> (loopback unless told; <see cref="IPAddress.Any"/>
    /// for a server that binds every interface).</summary>
    public static int Next(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
