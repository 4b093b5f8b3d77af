using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// server-everything (the MCP reference server, run over stdio) answers the same through Warden as on a
/// direct connection, for the C# and the TypeScript SDK clients, on /mcp/{server} and on /mcp.
/// </summary>
public sealed class EverythingStdioTests
{
    [Fact]
    public async Task ToolsAndCalls_CSharpClientThroughServerEndpoint_MatchDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        await using var direct = await Clients.ConnectStdioAsync(NodeTools.Node, [NodeTools.EverythingServer, "stdio"]);
        await using var client = await warden.ConnectAsync("/mcp/everything");

        var expectedTools = await InteropJson.ToolsAsync(direct);
        var actualTools = await InteropJson.ToolsAsync(client);
        var expectedCalls = await InteropJson.CallsAsync(direct, EverythingCalls.All);
        var actualCalls = await InteropJson.CallsAsync(client, EverythingCalls.All);

        Assert.Equal("warden", client.ServerInfo?.Name);
        Assert.Contains(expectedTools, t => t!["name"]!.GetValue<string>() == "trigger-long-running-operation");
        Assert.Equal(InteropJson.Canonical(expectedTools), InteropJson.Canonical(actualTools));
        Assert.Equal(InteropJson.Canonical(expectedCalls), InteropJson.Canonical(actualCalls));
        Assert.Equal("Echo: hello through warden ✓", actualCalls[0]!["result"]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task ToolsAndCalls_TypeScriptClientThroughServerEndpoint_MatchDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        var calls = ToolCall.ToJson(EverythingCalls.All);

        var directRun = TsClient.RunAsync(TsClient.Stdio("list-call", NodeTools.Node, NodeTools.EverythingServer, "stdio").With("calls", calls.DeepClone()));
        var wardenRun = TsClient.RunAsync(TsClient.Http("list-call", warden.BaseUrl + "/mcp/everything").With("calls", calls.DeepClone()));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal("mcp-servers/everything", expected["serverInfo"]!["name"]!.GetValue<string>());
        Assert.Equal("warden", actual["serverInfo"]!["name"]!.GetValue<string>());
        Assert.NotEmpty(expected["tools"]!.AsArray());
        Assert.Equal(InteropJson.Canonical(expected["tools"]), InteropJson.Canonical(actual["tools"]));
        Assert.Equal(InteropJson.Canonical(expected["calls"]), InteropJson.Canonical(actual["calls"]));
        Assert.Equal("Echo: hello through warden ✓", actual["calls"]![0]!["result"]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task ToolsAndCalls_BothClientsThroughAggregate_AreDirectOnesWithQualifiedNames()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        await using var direct = await Clients.ConnectStdioAsync(NodeTools.Node, [NodeTools.EverythingServer, "stdio"]);
        var tsRun = TsClient.RunAsync(TsClient.Http("list-call", warden.BaseUrl + "/mcp").With("calls", ToolCall.ToJson(EverythingCalls.All, "everything__")));
        await using var client = await warden.ConnectAsync("/mcp");

        var expectedTools = InteropJson.Qualified(await InteropJson.ToolsAsync(direct), "everything");
        var expectedCalls = await InteropJson.CallsAsync(direct, EverythingCalls.All);
        var actualTools = await InteropJson.ToolsAsync(client);
        var actualCalls = await InteropJson.CallsAsync(client, EverythingCalls.All, "everything__");
        var ts = await tsRun;

        Assert.All(actualTools, t => Assert.StartsWith("everything__", t!["name"]!.GetValue<string>()));
        Assert.Equal(InteropJson.Canonical(expectedTools), InteropJson.Canonical(actualTools));
        Assert.Equal(InteropJson.Canonical(expectedCalls), InteropJson.Canonical(actualCalls));
        // The TypeScript SDK parses the same JSON into its own shapes; its view through /mcp must equal its direct view.
        var tsDirect = await TsClient.RunAsync(TsClient.Stdio("list-call", NodeTools.Node, NodeTools.EverythingServer, "stdio").With("calls", ToolCall.ToJson(EverythingCalls.All)));
        Assert.Equal(InteropJson.Canonical(InteropJson.Qualified(tsDirect["tools"]!.AsArray(), "everything")), InteropJson.Canonical(ts["tools"]));
        Assert.Equal(InteropJson.Canonical(tsDirect["calls"]), InteropJson.Canonical(ts["calls"]));
    }

    [Fact]
    public async Task Roots_TypeScriptClientThroughServerEndpoint_ReachServerAsDirect()
    {
        // server-everything asks a client that declares roots for them 350 ms after initialization, outside
        // any request (so through Warden the request travels on the session's GET stream), and get-roots-list reports them.
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        var roots = new JsonArray(new JsonObject { ["uri"] = "file:///srv/interop-root", ["name"] = "interop root" });
        var calls = ToolCall.ToJson([new("get-roots-list", [])]);

        var directRun = TsClient.RunAsync(TsClient.Stdio("roots", NodeTools.Node, NodeTools.EverythingServer, "stdio").With("roots", roots.DeepClone()).With("calls", calls.DeepClone()));
        var wardenRun = TsClient.RunAsync(TsClient.Http("roots", warden.BaseUrl + "/mcp/everything").With("roots", roots.DeepClone()).With("calls", calls.DeepClone()));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal(1, actual["rootsRequests"]!.GetValue<int>());
        Assert.Contains("file:///srv/interop-root", actual["calls"]![0]!["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(InteropJson.Canonical(expected["tools"]), InteropJson.Canonical(actual["tools"]));
        Assert.Equal(InteropJson.Canonical(expected["calls"]), InteropJson.Canonical(actual["calls"]));
    }
}
