using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.RoundTrips;

/// <summary>Reports the W3C trace context a request reached this server with, so tests can follow a trace through Warden.</summary>
[McpServerToolType]
public sealed class TraceContextTools
{
    [McpServerTool(Name = "echo_trace_context", ReadOnly = true)]
    [Description("Returns the traceparent/tracestate of this request's _meta and, over HTTP, of its HTTP headers, as JSON.")]
    public static string EchoTraceContext(RequestContext<CallToolRequestParams> context)
    {
        var meta = context.Params?.Meta;
        var headers = context.Services?.GetService<IHttpContextAccessor>()?.HttpContext?.Request.Headers;
        return new JsonObject
        {
            ["meta"] = new JsonObject
            {
                ["traceparent"] = meta?["traceparent"]?.DeepClone(),
                ["tracestate"] = meta?["tracestate"]?.DeepClone(),
            },
            ["http"] = headers is null ? null : new JsonObject
            {
                ["traceparent"] = headers.TraceParent.Count > 0 ? headers.TraceParent.ToString() : null,
                ["tracestate"] = headers.TraceState.Count > 0 ? headers.TraceState.ToString() : null,
            },
        }.ToJsonString(TestServerJson.Options);
    }
}
