using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;
using static Warden.Gateway.Telemetry.SemanticConventions;

namespace Warden.Gateway.Telemetry;

/// <summary>
/// Spans as the OpenTelemetry MCP conventions describe them: a server span per client request (parent: the
/// trace context in the request's <c>params._meta</c>, else the HTTP request's), a client span per request to an
/// upstream (its context injected into that request's <c>params._meta</c>; HttpClient adds the traceparent header
/// for HTTP upstreams). With no listener, <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and
/// none of this allocates.
/// </summary>
internal static class McpSpans
{
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    /// <summary>The remote parent of a client request: its <c>_meta</c> trace context, else the HTTP one, else none.</summary>
    public static ActivityContext ParentOf(JsonNode? parameters, in TransportContext transport)
    {
        if ((parameters as JsonObject)?["_meta"] is JsonObject meta && meta[TraceParent] is JsonValue value && value.TryGetValue<string>(out var traceParent)
            && ActivityContext.TryParse(traceParent, RequestFields.String(meta[TraceState]), isRemote: true, out var context))
        {
            return context;
        }

        return transport.TraceParent;
    }

    /// <summary>Starts the server span of a client request, or returns null when no one records spans.</summary>
    public static Activity? StartServer(string method, RequestId id, ActivityContext parent, in TransportContext transport)
    {
        if (!WardenDiagnostics.Source.HasListeners())
        {
            return null;
        }

        // Without a remote parent the span starts a trace: the ambient activity (ASP.NET Core's request activity,
        // which Warden does not export) would make it an orphan. With one from _meta, the HTTP context is a link.
        ActivityLink[]? links = null;
        if (parent == default)
        {
            Activity.Current = null;
        }
        else if (transport.TraceParent != default && transport.TraceParent != parent)
        {
            links = [new ActivityLink(transport.TraceParent)];
        }

        var span = WardenDiagnostics.Source.StartActivity(method, ActivityKind.Server, parent, links: links);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(McpMethodName, method);
            span.SetTag(JsonRpcRequestId, id.ToString());
            span.SetTag(NetworkTransport, "tcp");
            span.SetTag(NetworkProtocolName, "http");
            span.SetTag(NetworkProtocolVersion, transport.HttpVersion);
            if (transport.ClientAddress is { } address)
            {
                span.SetTag(ClientAddress, address);
                span.SetTag(ClientPort, transport.ClientPort);
            }
        }

        return span;
    }

    /// <summary>Names the span after what the request resolved to (tool, prompt or resource) and the session it belongs to.</summary>
    public static void Describe(Activity? span, in CallTags call, string? sessionId)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }

        span.SetTag(McpSessionId, sessionId);
        span.SetTag(McpProtocolVersion, call.ProtocolVersion);
        span.SetTag(WardenServer, call.Server);
        Target(span, call.Method, call.Name);
    }

    /// <summary>Starts the client span of a request to an upstream and writes its context into the request's <c>_meta</c>.</summary>
    public static Activity? StartClient(UpstreamConnection connection, JsonRpcRequest request, string? name)
    {
        if (!WardenDiagnostics.Source.HasListeners())
        {
            return null;
        }

        var span = WardenDiagnostics.Source.StartActivity(request.Method, ActivityKind.Client);
        if (span is null)
        {
            return null;
        }

        Inject(request, span);
        if (span.IsAllDataRequested)
        {
            span.SetTag(McpMethodName, request.Method);
            span.SetTag(JsonRpcRequestId, request.Id.ToString());
            span.SetTag(WardenServer, connection.ServerName);
            span.SetTag(McpSessionId, connection.UpstreamSessionId);
            span.SetTag(McpProtocolVersion, RequestFields.String(connection.InitializeResult?["protocolVersion"]));
            if (connection.Server is { Kind: UpstreamKind.Http, Url: { } url })
            {
                span.SetTag(NetworkTransport, "tcp");
                span.SetTag(NetworkProtocolName, "http");
                span.SetTag(ServerAddress, url.Host);
                span.SetTag(ServerPort, url.Port);
            }
            else
            {
                span.SetTag(NetworkTransport, "pipe");
            }

            Target(span, request.Method, name);
        }

        return span;
    }

    /// <summary>Ends a span with the response's outcome: error.type and an error status for JSON-RPC errors and tool errors.</summary>
    public static void Complete(Activity? span, JsonRpcMessageWithId response, string? errorType)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }

        if (response is JsonRpcError error)
        {
            span.SetTag(RpcResponseStatusCode, error.Error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            span.SetStatus(ActivityStatusCode.Error, error.Error.Message);
        }
        else if (errorType is not null)
        {
            span.SetStatus(ActivityStatusCode.Error);
        }

        span.SetTag(SemanticConventions.ErrorType, errorType);
    }

    /// <summary>The error.type of a response: the JSON-RPC error code, tool_error for an isError result, else null.</summary>
    public static string? ErrorType(JsonRpcMessageWithId response) => response switch
    {
        JsonRpcError error => error.Error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonRpcResponse { Result: JsonObject result } when result["isError"] is JsonValue v && v.TryGetValue<bool>(out var isError) && isError => ToolError,
        _ => null,
    };

    /// <summary>The trace id an audit record carries: the span's, else the remote parent's, else the ambient activity's.</summary>
    public static string? TraceId(Activity? span, ActivityContext parent) =>
        span is not null ? span.TraceId.ToHexString()
        : parent != default ? parent.TraceId.ToHexString()
        : Activity.Current?.TraceId.ToHexString();

    private static void Target(Activity span, string method, string? name)
    {
        switch (method)
        {
            case RequestMethods.ToolsCall when name is not null:
                span.DisplayName = $"{method} {name}";
                span.SetTag(GenAiToolName, name);
                span.SetTag(GenAiOperationName, ExecuteTool);
                break;
            case RequestMethods.PromptsGet when name is not null:
                span.DisplayName = $"{method} {name}";
                span.SetTag(GenAiPromptName, name);
                break;
            case RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe when name is not null:
                // A URI is not a low-cardinality name: an attribute, never part of the span name.
                span.SetTag(McpResourceUri, name);
                break;
        }
    }

    // params._meta.traceparent/tracestate, unprefixed, as SEP-414 and the MCP conventions reserve them.
    private static void Inject(JsonRpcRequest request, Activity span)
    {
        if (request.Params is not JsonObject parameters)
        {
            if (request.Params is not null)
            {
                return;
            }

            parameters = [];
            request.Params = parameters;
        }

        if (parameters["_meta"] is not JsonObject meta)
        {
            if (parameters["_meta"] is not null)
            {
                return;
            }

            meta = [];
            parameters["_meta"] = meta;
        }

        meta[TraceParent] = span.Id;
        if (span.TraceStateString is { Length: > 0 } state)
        {
            meta[TraceState] = state;
        }
        else
        {
            meta.Remove(TraceState);
        }
    }
}
