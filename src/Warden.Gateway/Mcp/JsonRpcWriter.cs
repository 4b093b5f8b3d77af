using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Serialises JSON-RPC messages as the MCP SDK does, except that a response's result is copied as the
/// bytes it was parsed from (see <see cref="RawJson"/>): results are where the large payloads are.
/// </summary>
internal static class JsonRpcWriter
{
    private static readonly JsonTypeInfo<RequestId> IdInfo = (JsonTypeInfo<RequestId>)McpJsonSerialization.Options.GetTypeInfo(typeof(RequestId));

    public static void Write(IBufferWriter<byte> output, JsonRpcMessage message)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = McpJsonSerialization.Options.Encoder, SkipValidation = true });
        Write(writer, message);
    }

    public static void Write(Utf8JsonWriter writer, JsonRpcMessage message)
    {
        if (message is not JsonRpcResponse response)
        {
            JsonSerializer.Serialize(writer, message, McpJsonSerialization.Message);
            return;
        }

        // Property order (most derived type first) and null handling (WhenWritingNull) as the SDK writes it.
        writer.WriteStartObject();
        if (response.Result is { } result)
        {
            writer.WritePropertyName("result"u8);
            RawJson.Write(writer, result, McpJsonSerialization.Options);
        }

        writer.WritePropertyName("id"u8);
        JsonSerializer.Serialize(writer, response.Id, IdInfo);
        writer.WriteString("jsonrpc"u8, response.JsonRpc);
        writer.WriteEndObject();
    }
}
