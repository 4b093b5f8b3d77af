using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Upstreams;

/// <summary>JSON-RPC error codes Warden uses, and a factory for error messages.</summary>
internal static class JsonRpcErrors
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>The upstream did not answer in time (same code the SDKs use for request timeouts).</summary>
    public const int RequestTimeout = -32001;

    /// <summary>The upstream could not be reached or ended mid-request.</summary>
    public const int UpstreamUnavailable = -32010;

    /// <summary>MCP: the resource does not exist.</summary>
    public const int ResourceNotFound = -32002;

    /// <summary>Policy denied the action.</summary>
    public const int Denied = -32011;

    /// <summary>The audit log cannot be written, so Warden refuses the call (fail closed).</summary>
    public const int AuditUnavailable = -32012;

    public static JsonRpcError Create(RequestId id, int code, string message, JsonNode? data = null) => new()
    {
        Id = id,
        Error = new JsonRpcErrorDetail { Code = code, Message = message, Data = data },
    };
}
