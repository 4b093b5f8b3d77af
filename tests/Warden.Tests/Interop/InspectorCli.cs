using System.Text.Json.Nodes;

namespace Warden.Tests.Interop;

/// <summary>The MCP Inspector CLI (<c>mcp-inspector-cli --cli</c>), which prints each result as JSON on stdout.</summary>
internal static class InspectorCli
{
    /// <summary>Runs one method against a Streamable HTTP URL.</summary>
    public static Task<JsonNode> HttpAsync(string url, params string[] method) => RunAsync([url, "--transport", "http", .. method]);

    /// <summary>Runs one method against a server the inspector starts over stdio.</summary>
    public static Task<JsonNode> StdioAsync(string[] command, params string[] method) => RunAsync([.. command, .. method]);

    private static async Task<JsonNode> RunAsync(string[] args)
    {
        var cli = NodeTools.InspectorCli;
        // The launcher spawns "node" from PATH (NodeProcess puts the pinned one first), and the CLI finds its
        // package.json relative to its working directory, which must therefore be its build folder.
        var result = await NodeProcess.RunAsync(cli, ["--cli", .. args], workingDirectory: Path.GetDirectoryName(cli));
        return result.Json();
    }
}
