using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Upstreams;

/// <summary>A client session attached to an upstream connection, receiving what the upstream sends on its own.</summary>
internal interface IUpstreamListener
{
    /// <summary>A notification from the upstream. <paramref name="relatedTag"/> is the tag of the request it belongs to, if known.</summary>
    void OnUpstreamNotification(UpstreamConnection connection, JsonRpcNotification notification, object? relatedTag);

    /// <summary>A server-to-client request (sampling, elicitation, roots) whose answer must go back to <paramref name="connection"/>.</summary>
    void OnUpstreamRequest(UpstreamConnection connection, JsonRpcRequest request, object? relatedTag);

    /// <summary>The connection ended; pending requests have already been failed.</summary>
    void OnUpstreamClosed(UpstreamConnection connection, string reason);
}
