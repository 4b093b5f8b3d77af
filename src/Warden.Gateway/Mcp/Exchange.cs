using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>
/// One client request in flight. Messages the upstream sends while handling it (progress, logs,
/// sampling requests) are queued here and streamed on the request's own SSE response.
/// </summary>
internal sealed class Exchange(RequestId clientId, string method)
{
    private readonly Channel<JsonRpcMessage> _related = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _completed;

    public RequestId ClientId { get; } = clientId;

    /// <summary>The id the client gave the request, when Warden runs it under one of its own (2026-07-28 requests); what the audit record names.</summary>
    public RequestId? OriginalId { get; init; }

    public string Method { get; } = method;

    /// <summary>
    /// Who sent this request, as identified on this request (roles may differ from the session's first request's);
    /// null falls back to the session's caller.
    /// </summary>
    public Warden.Core.Pipeline.Caller? Caller { get; init; }

    /// <summary>The upstream server handling it (null while Warden handles it itself).</summary>
    public string? Server { get; set; }

    public ChannelReader<JsonRpcMessage> Related => _related.Reader;

    public bool IsCompleted => _completed;

    /// <summary>True once the client cancelled the request; no response is sent for it then.</summary>
    public bool IsCancelled { get; private set; }

    public void MarkCancelled() => IsCancelled = true;

    /// <summary>Queues a related message; false once the response has been sent.</summary>
    public bool TryRelay(JsonRpcMessage message) => !_completed && _related.Writer.TryWrite(message);

    public void Complete()
    {
        _completed = true;
        _related.Writer.TryComplete();
    }
}
