using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>Decides where a client request goes and takes it there.</summary>
internal interface IMcpRouter
{
    /// <summary>Resolves the server and the upstream's own name for the request (no I/O).</summary>
    RouteTarget Resolve(GatewaySession session, JsonRpcRequest request);

    /// <summary>Forwards the request (or answers it) and returns the response with the client's id.</summary>
    Task<JsonRpcMessageWithId> ForwardAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, RouteTarget target, CancellationToken cancellationToken);
}

/// <summary>Where a request goes: the server, the upstream's name for the tool/prompt/resource, and its arguments.</summary>
internal readonly record struct RouteTarget(string? Server, string? Name, JsonNode? Arguments, string? Error = null);
