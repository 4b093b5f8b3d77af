using ModelContextProtocol.Protocol;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Routes for /mcp/{server}: every request goes to that one server unchanged (ids aside), so methods
/// Warden does not know yet pass through as faithfully as the ones it does.
/// </summary>
internal sealed class PassthroughRouter : IMcpRouter
{
    public static PassthroughRouter Instance { get; } = new();

    public RouteTarget Resolve(GatewaySession session, JsonRpcRequest request)
    {
        var (name, arguments) = RequestFields.Read(request);
        return new RouteTarget(session.Ticket.Route, name, arguments);
    }

    public async Task<JsonRpcMessageWithId> ForwardAsync(GatewaySession session, JsonRpcRequest request, Exchange exchange, RouteTarget target, CancellationToken cancellationToken)
    {
        var result = await session.GetConnectionAsync(target.Server!, cancellationToken).ConfigureAwait(false);
        if (result.Connection is not { } connection)
        {
            return JsonRpcErrors.Create(request.Id, JsonRpcErrors.UpstreamUnavailable, result.Error!);
        }

        return await session.ForwardAsync(connection, exchange, request, cancellationToken).ConfigureAwait(false);
    }
}
