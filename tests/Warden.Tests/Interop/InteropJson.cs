using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Warden.Tests.Interop;

/// <summary>Turns MCP results into comparable JSON: keys sorted, volatile values replaced by placeholders.</summary>
internal static partial class InteropJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Indented JSON with object keys in ordinal order, so two results compare as text with a readable diff.</summary>
    public static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString(Indented) ?? "null";

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, McpJsonUtilities.DefaultOptions);

    /// <summary>Every tool the client lists (all pages), as the protocol objects.</summary>
    public static async Task<JsonArray> ToolsAsync(McpClient client) =>
        [.. (await client.ListToolsAsync()).Select(t => ToNode(t.ProtocolTool))];

    /// <summary>Calls each tool in turn and collects the results (a tool-level error is a result too).</summary>
    public static async Task<JsonArray> CallsAsync(McpClient client, IEnumerable<ToolCall> calls, string prefix = "")
    {
        var results = new JsonArray();
        foreach (var call in calls)
        {
            var result = await client.CallToolAsync(prefix + call.Name, call.Arguments);
            results.Add(new JsonObject { ["result"] = ToNode(result) });
        }

        return results;
    }

    /// <summary>A copy of a tool list with every name prefixed, as the aggregate endpoint lists them.</summary>
    public static JsonArray Qualified(JsonArray tools, string server)
    {
        var copy = tools.DeepClone().AsArray();
        foreach (var tool in copy)
        {
            tool!["name"] = $"{server}__{tool["name"]!.GetValue<string>()}";
        }

        return copy;
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sorted)]),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValue.Create(Stable(value.GetValue<string>())),
        _ => node?.DeepClone(),
    };

    // server-everything stamps its dynamic text resources with the local time they were made.
    private static string Stable(string text) => CreatedAt().Replace(text, "created at <time>");

    [GeneratedRegex(@"created at \d{1,2}:\d{2}:\d{2}(\s*[AP]M)?")]
    private static partial Regex CreatedAt();
}
