using System.Text.Json.Nodes;

namespace Warden.Tests.Interop;

/// <summary>One tools/call both paths make (direct and through Warden), for clients in C# and TypeScript alike.</summary>
internal sealed record ToolCall(string Name, Dictionary<string, object?> Arguments)
{
    public JsonObject ToJson(string prefix = "") => new()
    {
        ["name"] = prefix + Name,
        ["arguments"] = InteropJson.ToNode(Arguments),
    };

    public static JsonArray ToJson(IEnumerable<ToolCall> calls, string prefix = "") => [.. calls.Select(c => c.ToJson(prefix))];
}
