using ModelContextProtocol.Client;

namespace Warden.Tests.Infrastructure;

/// <summary>Real MCP clients (the C# SDK) for tests.</summary>
internal static class Clients
{
    /// <summary>Connects over Streamable HTTP; <paramref name="bearer"/> is sent as <c>Authorization: Bearer …</c> with every request.</summary>
    public static Task<McpClient> ConnectAsync(string url, McpClientOptions? options = null, string? bearer = null)
    {
        options ??= new McpClientOptions();
        // Warden speaks the 2025-11-25 session era to this client; pinning skips the server/discover probe.
        options.ProtocolVersion ??= "2025-11-25";
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = bearer is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + bearer },
        });
        return McpClient.CreateAsync(transport, options);
    }

    /// <summary>Connects with an access token sent as <c>Authorization: Bearer</c> on every request.</summary>
    public static Task<McpClient> ConnectWithTokenAsync(string url, string token, McpClientOptions? options = null)
    {
        options ??= new McpClientOptions();
        options.ProtocolVersion ??= "2025-11-25";
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        });
        return McpClient.CreateAsync(transport, options);
    }

    public static Task<McpClient> ConnectStdioAsync(string command, IList<string> args, McpClientOptions? options = null)
    {
        options ??= new McpClientOptions();
        options.ProtocolVersion ??= "2025-11-25";
        return McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions { Command = command, Arguments = args }), options);
    }

    /// <summary>Continues an existing session (by id) against another URL, as a client does after a load balancer switches replicas.</summary>
    public static Task<McpClient> ConnectResumedAsync(string url, string sessionId, McpClient original)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            TransportMode = HttpTransportMode.StreamableHttp,
            KnownSessionId = sessionId,
            OwnsSession = false,
        });
        return McpClient.ResumeSessionAsync(transport, new ResumeClientSessionOptions
        {
            ServerCapabilities = original.ServerCapabilities!,
            ServerInfo = original.ServerInfo!,
            NegotiatedProtocolVersion = original.NegotiatedProtocolVersion,
        }, new McpClientOptions { ProtocolVersion = "2025-11-25" });
    }
}
