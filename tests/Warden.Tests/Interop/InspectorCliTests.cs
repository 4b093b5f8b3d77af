using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>The MCP Inspector CLI lists and calls tools through Warden as it does on the server directly.</summary>
public sealed class InspectorCliTests
{
    private static string[] DirectEverything => [NodeTools.Node, NodeTools.EverythingServer, "stdio"];

    [Fact]
    public async Task ToolsList_ThroughServerEndpoint_MatchesDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());

        var directRun = InspectorCli.StdioAsync(DirectEverything, "--method", "tools/list");
        var wardenRun = InspectorCli.HttpAsync(warden.BaseUrl + "/mcp/everything", "--method", "tools/list");
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Contains(actual["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "echo");
        Assert.Equal(InteropJson.Canonical(expected["tools"]), InteropJson.Canonical(actual["tools"]));
    }

    [Fact]
    public async Task ToolsCall_ThroughServerEndpointAndAggregate_ReturnsToolResults()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());

        var echo = InspectorCli.HttpAsync(warden.BaseUrl + "/mcp/everything", "--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=inspected");
        var sum = InspectorCli.HttpAsync(warden.BaseUrl + "/mcp", "--method", "tools/call", "--tool-name", "everything__get-sum", "--tool-arg", "a=2", "b=3");
        var structured = InspectorCli.HttpAsync(warden.BaseUrl + "/mcp/everything", "--method", "tools/call", "--tool-name", "get-structured-content", "--tool-arg", "location=New York");
        var directStructured = InspectorCli.StdioAsync(DirectEverything, "--method", "tools/call", "--tool-name", "get-structured-content", "--tool-arg", "location=New York");

        Assert.Equal("Echo: inspected", (await echo)["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("The sum of 2 and 3 is 5.", (await sum)["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(33, (await structured)["structuredContent"]!["temperature"]!.GetValue<int>());
        Assert.Equal(InteropJson.Canonical(await directStructured), InteropJson.Canonical(await structured));
    }
}
