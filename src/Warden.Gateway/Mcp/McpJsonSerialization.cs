using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>JSON settings shared with the MCP SDK, so messages round-trip exactly as the SDK writes them.</summary>
internal static class McpJsonSerialization
{
    public static JsonSerializerOptions Options => McpJsonUtilities.DefaultOptions;

    public static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<JsonRpcMessage> Message =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
}
