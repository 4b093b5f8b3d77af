using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Writes JSON nodes that were parsed from a message and never changed as the bytes they were parsed
/// from. JsonNode.WriteTo would unescape every string and escape it again, which for a 100 KB tool result
/// costs more CPU than everything else Warden does with it.
/// </summary>
internal static class RawJson
{
    private static bool s_lazyNodesReadable = true;

    public static void Write(Utf8JsonWriter writer, JsonNode? node, JsonSerializerOptions options)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                return;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                WriteElement(writer, element);
                return;
            case JsonObject obj:
                if (BackingElement(obj) is { } objElement)
                {
                    WriteElement(writer, objElement);
                    return;
                }

                writer.WriteStartObject();
                foreach (var (name, child) in obj)
                {
                    writer.WritePropertyName(name);
                    Write(writer, child, options);
                }

                writer.WriteEndObject();
                return;
            case JsonArray array:
                if (BackingElement(array) is { } arrayElement)
                {
                    WriteElement(writer, arrayElement);
                    return;
                }

                writer.WriteStartArray();
                foreach (var child in array)
                {
                    Write(writer, child, options);
                }

                writer.WriteEndArray();
                return;
            default:
                node.WriteTo(writer, options);
                return;
        }
    }

    // The element's bytes were validated when its document was parsed.
    private static void WriteElement(Utf8JsonWriter writer, JsonElement element) =>
        writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);

    // An object or array read from JSON keeps its element until something reads or changes its members;
    // System.Text.Json has no public way to ask for it, so this reads the private field, and falls back to
    // walking the members if a runtime version renamed it.
    private static JsonElement? BackingElement(JsonObject obj)
    {
        if (!s_lazyNodesReadable)
        {
            return null;
        }

        try
        {
            return ObjectElement(obj);
        }
        catch (MissingFieldException)
        {
            s_lazyNodesReadable = false;
            return null;
        }
    }

    private static JsonElement? BackingElement(JsonArray array)
    {
        if (!s_lazyNodesReadable)
        {
            return null;
        }

        try
        {
            return ArrayElement(array);
        }
        catch (MissingFieldException)
        {
            s_lazyNodesReadable = false;
            return null;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_jsonElement")]
    private static extern ref JsonElement? ObjectElement(JsonObject obj);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_jsonElement")]
    private static extern ref JsonElement? ArrayElement(JsonArray array);
}
