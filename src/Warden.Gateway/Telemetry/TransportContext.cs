using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// What the HTTP request that carried an MCP request says about its transport: the caller's W3C trace context
/// (traceparent/tracestate headers) and, when spans are being recorded, the peer's address and the HTTP version.
/// </summary>
internal readonly record struct TransportContext(ActivityContext TraceParent, string? ClientAddress, int ClientPort, string? HttpVersion)
{
    public static TransportContext From(HttpContext http)
    {
        var headers = http.Request.Headers;
        var parent = headers.TraceParent.Count == 1 && ActivityContext.TryParse(headers.TraceParent.ToString(), headers.TraceState.Count > 0 ? headers.TraceState.ToString() : null, isRemote: true, out var context)
            ? context
            : default;
        if (!WardenDiagnostics.Source.HasListeners())
        {
            return new TransportContext(parent, null, 0, null);
        }

        var version = http.Request.Protocol switch
        {
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            "HTTP/1.0" => "1.0",
            _ => null,
        };
        return new TransportContext(parent, http.Connection.RemoteIpAddress?.ToString(), http.Connection.RemotePort, version);
    }
}
