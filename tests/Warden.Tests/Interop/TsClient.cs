using System.Text.Json.Nodes;

namespace Warden.Tests.Interop;

/// <summary>
/// The TypeScript SDK client (tests/interop/mcp-client.mjs run by the pinned node): one scenario per run,
/// one JSON object back. Plans and output are described at the top of the script.
/// </summary>
internal static class TsClient
{
    public static async Task<JsonObject> RunAsync(JsonObject plan)
    {
        _ = NodeTools.TypeScriptSdk;
        var result = await NodeProcess.RunAsync(NodeTools.Script("mcp-client.mjs"), [plan.ToJsonString()]);
        return result.Json().AsObject();
    }

    /// <summary>A plan that connects over Streamable HTTP.</summary>
    public static JsonObject Http(string scenario, string url) => new() { ["scenario"] = scenario, ["url"] = url };

    /// <summary>A plan that starts the server itself over stdio.</summary>
    public static JsonObject Stdio(string scenario, string command, params string[] args) => new()
    {
        ["scenario"] = scenario,
        ["command"] = command,
        ["args"] = new JsonArray([.. args.Select(a => JsonValue.Create(a))]),
    };

    public static JsonObject With(this JsonObject plan, string key, JsonNode? value)
    {
        plan[key] = value;
        return plan;
    }
}
