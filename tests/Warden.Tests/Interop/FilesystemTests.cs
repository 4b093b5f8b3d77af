using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>server-filesystem (stdio, rooted at a temporary tree) answers the same through Warden as directly.</summary>
public sealed class FilesystemTests : IDisposable
{
    private readonly FilesystemTree _tree = new();

    [Fact]
    public async Task ToolsAndFileCalls_CSharpClientThroughServerEndpoint_MatchDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Filesystem(_tree.Root));
        await using var direct = await Clients.ConnectStdioAsync(NodeTools.Node, [NodeTools.FilesystemServer, _tree.Root]);
        await using var client = await warden.ConnectAsync("/mcp/files");

        var expectedTools = await InteropJson.ToolsAsync(direct);
        var actualTools = await InteropJson.ToolsAsync(client);
        var expectedCalls = await InteropJson.CallsAsync(direct, Calls());
        var actualCalls = await InteropJson.CallsAsync(client, Calls());

        Assert.Contains(expectedTools, t => t!["name"]!.GetValue<string>() == "search_files");
        Assert.Equal(InteropJson.Canonical(expectedTools), InteropJson.Canonical(actualTools));
        Assert.Equal(InteropJson.Canonical(expectedCalls), InteropJson.Canonical(actualCalls));
        Assert.Equal("first line\nsecond line\nthird line\n", Text(actualCalls[0]));
        Assert.Contains("util.js", Text(actualCalls[5]));
    }

    [Fact]
    public async Task ToolsAndFileCalls_TypeScriptClientThroughServerEndpoint_MatchDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Filesystem(_tree.Root));
        var calls = ToolCall.ToJson(Calls());

        var directRun = TsClient.RunAsync(TsClient.Stdio("list-call", NodeTools.Node, NodeTools.FilesystemServer, _tree.Root).With("calls", calls.DeepClone()));
        var wardenRun = TsClient.RunAsync(TsClient.Http("list-call", warden.BaseUrl + "/mcp/files").With("calls", calls.DeepClone()));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal("warden", actual["serverInfo"]!["name"]!.GetValue<string>());
        Assert.Equal(InteropJson.Canonical(expected["tools"]), InteropJson.Canonical(actual["tools"]));
        Assert.Equal(InteropJson.Canonical(expected["calls"]), InteropJson.Canonical(actual["calls"]));
        Assert.Equal("first line\nsecond line\nthird line\n", Text(actual["calls"]![0]));
    }

    [Fact]
    public async Task ClientRoots_TypeScriptClientThroughServerEndpoint_ReplaceAllowedDirectoriesAsDirect()
    {
        // server-filesystem asks a client that declares roots for them right after initialization and then
        // serves those roots instead of its command-line directory.
        using var clientRoot = new FilesystemTree();
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Filesystem(_tree.Root));
        var roots = new JsonArray(new JsonObject { ["uri"] = new Uri(clientRoot.Root).AbsoluteUri, ["name"] = "client root" });
        var calls = ToolCall.ToJson([new("list_allowed_directories", [])]);

        var directRun = TsClient.RunAsync(TsClient.Stdio("roots", NodeTools.Node, NodeTools.FilesystemServer, _tree.Root).With("roots", roots.DeepClone()).With("calls", calls.DeepClone()));
        var wardenRun = TsClient.RunAsync(TsClient.Http("roots", warden.BaseUrl + "/mcp/files").With("roots", roots.DeepClone()).With("calls", calls.DeepClone()));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal(1, expected["rootsRequests"]!.GetValue<int>());
        Assert.Contains(clientRoot.Root, Text(expected["calls"]![0]));
        Assert.Equal(1, actual["rootsRequests"]!.GetValue<int>());
        Assert.Equal(Text(expected["calls"]![0]), Text(actual["calls"]![0]));
    }

    [Fact]
    public async Task ClientRoots_TypeScriptClientThroughAggregate_ReplaceAllowedDirectoriesAsDirect()
    {
        // On /mcp Warden connects every server before it answers initialize. server-filesystem asks for the
        // client's roots as soon as Warden sends it notifications/initialized, while the slower test server is
        // still starting, so no client session exists yet to carry that request.
        using var clientRoot = new FilesystemTree();
        await using var warden = await WardenHost.StartAsync(InteropConfigs.FilesystemAndTestServer(_tree.Root));
        var roots = new JsonArray(new JsonObject { ["uri"] = new Uri(clientRoot.Root).AbsoluteUri, ["name"] = "client root" });

        var directRun = TsClient.RunAsync(TsClient.Stdio("roots", NodeTools.Node, NodeTools.FilesystemServer, _tree.Root)
            .With("roots", roots.DeepClone()).With("calls", ToolCall.ToJson([new("list_allowed_directories", [])])));
        var wardenRun = TsClient.RunAsync(TsClient.Http("roots", warden.BaseUrl + "/mcp")
            .With("roots", roots.DeepClone()).With("calls", ToolCall.ToJson([new("list_allowed_directories", [])], "files__")));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Contains(clientRoot.Root, Text(expected["calls"]![0]));
        Assert.Equal(Text(expected["calls"]![0]), Text(actual["calls"]![0]));
        Assert.Equal(1, actual["rootsRequests"]!.GetValue<int>());
    }

    // Reads, listings and searches, plus one path outside the root (an access-denied tool error).
    private IReadOnlyList<ToolCall> Calls() =>
    [
        new("read_text_file", new() { ["path"] = _tree.PathOf("notes.txt") }),
        new("read_text_file", new() { ["path"] = _tree.PathOf("notes.txt"), ["head"] = 2 }),
        new("read_multiple_files", new() { ["paths"] = new[] { _tree.PathOf("README.md"), _tree.PathOf(Path.Combine("data", "table.csv")) } }),
        new("list_directory", new() { ["path"] = _tree.Root }),
        new("directory_tree", new() { ["path"] = _tree.Root }),
        new("search_files", new() { ["path"] = _tree.Root, ["pattern"] = "**/*.js" }),
        new("list_allowed_directories", []),
        new("read_text_file", new() { ["path"] = Path.Combine(Path.GetTempPath(), "outside-the-root.txt") }),
    ];

    private static string Text(JsonNode? call) => call!["result"]!["content"]![0]!["text"]!.GetValue<string>();

    public void Dispose() => _tree.Dispose();
}
