using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>Reads the name and arguments a request targets, without deserialising its params.</summary>
internal static class RequestFields
{
    public static (string? Name, JsonNode? Arguments) Read(JsonRpcRequest request)
    {
        if (request.Params is not JsonObject p)
        {
            return (null, null);
        }

        return request.Method switch
        {
            RequestMethods.ToolsCall or RequestMethods.PromptsGet => (String(p["name"]), p["arguments"]),
            RequestMethods.ResourcesRead or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe => (String(p["uri"]), null),
            RequestMethods.CompletionComplete => (String(p["ref"]?["name"]) ?? String(p["ref"]?["uri"]), p["argument"]),
            _ => (null, null),
        };
    }

    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
}
