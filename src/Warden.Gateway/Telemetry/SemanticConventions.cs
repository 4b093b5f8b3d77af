namespace Warden.Gateway.Telemetry;

/// <summary>
/// Attribute names on Warden's spans and metrics. Those of the OpenTelemetry MCP and GenAI semantic conventions
/// (status: development) are used as named there; Warden's own carry the <c>warden.</c> prefix.
/// </summary>
internal static class SemanticConventions
{
    public const string McpMethodName = "mcp.method.name";
    public const string McpSessionId = "mcp.session.id";
    public const string McpProtocolVersion = "mcp.protocol.version";
    public const string McpResourceUri = "mcp.resource.uri";
    public const string GenAiToolName = "gen_ai.tool.name";
    public const string GenAiPromptName = "gen_ai.prompt.name";
    public const string GenAiOperationName = "gen_ai.operation.name";
    public const string JsonRpcRequestId = "jsonrpc.request.id";
    public const string RpcResponseStatusCode = "rpc.response.status_code";
    public const string ErrorType = "error.type";
    public const string NetworkTransport = "network.transport";
    public const string NetworkProtocolName = "network.protocol.name";
    public const string NetworkProtocolVersion = "network.protocol.version";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ClientAddress = "client.address";
    public const string ClientPort = "client.port";

    /// <summary>gen_ai.operation.name for tools/call.</summary>
    public const string ExecuteTool = "execute_tool";

    /// <summary>error.type of a tools/call whose result has isError: true.</summary>
    public const string ToolError = "tool_error";

    /// <summary>The configured upstream server (its name in warden.yaml).</summary>
    public const string WardenServer = "warden.server";

    /// <summary>How a call ended: ok, error, denied or audit_unavailable.</summary>
    public const string WardenOutcome = "warden.outcome";

    /// <summary>The policy decision: allow or deny.</summary>
    public const string WardenDecision = "warden.decision";

    /// <summary>The first policy rule behind a denial.</summary>
    public const string WardenRule = "warden.rule";

    /// <summary>The id of the call's audit record, to go from a trace to the record.</summary>
    public const string WardenAuditRecordId = "warden.audit.record_id";

    /// <summary>Where a record went: stored, spooled or failed.</summary>
    public const string WardenAuditOutcome = "warden.audit.outcome";

    /// <summary>stdio or http.</summary>
    public const string WardenUpstreamKind = "warden.upstream.kind";
}
