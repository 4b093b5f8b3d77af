using System.Net;
using System.Net.Sockets;

namespace Warden.LoadGen;

/// <summary>
/// Keeps every connection on the loopback interface: this workplace forbids benchmark traffic to any other
/// address, so the check happens both when a target is parsed and again on every socket connect. Host
/// names other than <c>localhost</c> are refused rather than resolved, since even a DNS query would leave
/// the machine.
/// </summary>
internal static class LoopbackGuard
{
    /// <summary>Returns why <paramref name="endpoint"/> is not allowed, or null when it is a loopback http(s) URL.</summary>
    public static string? Check(Uri endpoint)
    {
        if (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{endpoint}' must be an http:// or https:// URL";
        }

        return LoopbackAddresses(endpoint.DnsSafeHost) is null
            ? $"'{endpoint}' is not on loopback; use 127.0.0.1, [::1] or localhost (other hosts are refused, not resolved)"
            : null;
    }

    /// <summary>A handler that never uses a proxy, never follows redirects and refuses non-loopback sockets.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        // A proxy or a redirect would carry a loopback-addressed request somewhere else.
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectCallback = ConnectLoopbackOnlyAsync,
    };

    private static async ValueTask<Stream> ConnectLoopbackOnlyAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = LoopbackAddresses(host)
            ?? throw new HttpRequestException($"Refusing to connect to '{host}': only loopback addresses are allowed.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The addresses to use for <paramref name="host"/>, or null when it is not loopback.</summary>
    private static IPAddress[]? LoopbackAddresses(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return IPAddress.IsLoopback(literal) ? [literal] : null;
        }

        // RFC 6761: localhost names are loopback by definition, so they need no lookup.
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? [IPAddress.Loopback, IPAddress.IPv6Loopback]
            : null;
    }
}
