using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

#pragma warning disable MCP9005 // sampling is deprecated in 2026-07-28 but still part of the 2025-11-25 era Warden serves

namespace Warden.Tests.Gateway;

/// <summary>Tools, progress, cancellation and sampling pass through Warden as they do on a direct connection.</summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task ToolsList_ThroughServerEndpoint_MatchesDirectConnection()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var direct = await Clients.ConnectStdioAsync("dotnet", [TestPaths.TestServerDll, "--stdio"]);
        await using var client = await warden.ConnectAsync("/mcp/test");

        var expected = (await direct.ListToolsAsync()).Select(t => JsonSerializer.Serialize(t.ProtocolTool)).Order().ToList();
        var actual = (await client.ListToolsAsync()).Select(t => JsonSerializer.Serialize(t.ProtocolTool)).Order().ToList();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.Equal("warden", client.ServerInfo?.Name);
    }

    [Fact]
    public async Task CallTool_ThroughServerEndpoint_ReturnsUpstreamResult()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "hello through warden", ["delayMs"] = 1 });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("hello through warden", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task Aggregate_ListsQualifiedNames_AndRoutesCalls()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp");

        var tools = await client.ListToolsAsync();
        Assert.Contains(tools, t => t.Name == "test__slow_echo");
        Assert.All(tools, t => Assert.StartsWith("test__", t.Name));

        var result = await client.CallToolAsync("test__slow_echo", new Dictionary<string, object?> { ["message"] = "routed", ["delayMs"] = 1 });
        Assert.Contains("routed", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task Aggregate_UnknownTool_IsAnErrorNotACrash()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp");

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("nosuch__tool").AsTask());
        Assert.Contains("Unknown tool", ex.Message);
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    [Fact]
    public async Task Progress_FromUpstream_ReachesClient()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        // A client-lifetime handler: the SDK drops its per-call progress handler once the response is
        // handled, and handles each message on its own thread-pool item, so late updates could miss it.
        var progress = new ProgressCollector(expected: 3);
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ProgressNotification, progress.HandleAsync)] },
        };
        await using var client = await warden.ConnectAsync("/mcp/test", options);

        var result = await client.CallToolAsync(
            "progress",
            new Dictionary<string, object?> { ["steps"] = 3, ["delayMs"] = 1 },
            options: new RequestOptions { ProgressToken = new ProgressToken("stdio-progress") });
        var updates = await progress.All.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("completed 3 steps", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.All(updates, u => Assert.Equal("stdio-progress", u.ProgressToken.ToString()));
        Assert.Equal([1.0f, 2.0f, 3.0f], updates.Select(u => u.Progress.Progress).Order());
    }

    [Fact]
    public async Task Sampling_FromUpstream_IsAnsweredByClient()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Model = "scripted-model",
                    Role = Role.Assistant,
                    Content = [new TextContentBlock { Text = "sampled answer 7" }],
                }),
            },
        };
        await using var client = await warden.ConnectAsync("/mcp/test", options);

        var result = await client.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "say something" });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("sampled answer 7", string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text)));
    }
}
