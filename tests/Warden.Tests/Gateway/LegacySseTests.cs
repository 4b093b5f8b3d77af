using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;
using Warden.Tests.Infrastructure;

#pragma warning disable MCP9005 // sampling is deprecated in 2026-07-28 but still part of the 2025-11-25 era Warden serves

namespace Warden.Tests.Gateway;

/// <summary>
/// An upstream that speaks only the legacy HTTP+SSE transport (of the 2024-11-05 revision) is served to Streamable HTTP
/// clients like any other: tools, progress and server-to-client requests all cross Warden.
/// </summary>
public sealed class LegacySseTests
{
    [Theory]
    [InlineData("sse")]
    [InlineData("auto")]
    public async Task SseUpstream_ListTools_ShowsUpstreamTools(string transport)
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl, transport));
        await using var client = await warden.ConnectAsync("/mcp/legacy");

        var tools = await client.ListToolsAsync();

        Assert.Contains(tools, t => t.Name == "slow_echo");
        Assert.Contains(tools, t => t.Name == "sample");
        Assert.Contains(tools, t => t.Name == "progress");
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("auto")]
    public async Task SseUpstream_CallTool_ReturnsUpstreamResult(string transport)
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl, transport));
        await using var client = await warden.ConnectAsync("/mcp/legacy");

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = $"over {transport}", ["delayMs"] = 1 });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal($"over {transport}", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("auto")]
    public async Task SseUpstream_Progress_ReachesClient(string transport)
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl, transport));
        var progress = new ProgressCollector(expected: 3);

        // A handler for the client's lifetime: the SDK's per-call progress handler is removed as soon as the
        // response is handled, and the SDK handles each incoming message on its own thread-pool item, so
        // notifications sent just before the response could miss it.
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ProgressNotification, progress.HandleAsync)] },
        };
        await using var client = await warden.ConnectAsync("/mcp/legacy", options);

        var result = await client.CallToolAsync(
            "progress",
            new Dictionary<string, object?> { ["steps"] = 3, ["delayMs"] = 1 },
            options: new RequestOptions { ProgressToken = new ProgressToken("legacy-progress") });
        var updates = await progress.All.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("completed 3 steps", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.All(updates, u => Assert.Equal("legacy-progress", u.ProgressToken.ToString()));
        // Handled on separate thread-pool items, so in which order they were handled is not observable.
        Assert.Equal([1.0f, 2.0f, 3.0f], updates.Select(u => u.Progress.Progress).Order());
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("auto")]
    public async Task SseUpstream_SamplingRequest_IsAnsweredByClient(string transport)
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl, transport));
        string? prompt = null;
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) =>
                {
                    prompt = string.Concat(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(t => t.Text));
                    return ValueTask.FromResult(new CreateMessageResult
                    {
                        Model = "scripted-model",
                        Role = Role.Assistant,
                        Content = [new TextContentBlock { Text = "legacy sampled 42" }],
                    });
                },
            },
        };
        await using var client = await warden.ConnectAsync("/mcp/legacy", options);

        var result = await client.CallToolAsync("sample", new Dictionary<string, object?> { ["prompt"] = "what is six times seven" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("legacy sampled 42", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.Equal("what is six times seven", prompt);
    }

    [Fact]
    public async Task SseUpstream_TwoClientSessions_EachGetTheirOwnUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl, "sse"));
        await using var first = await warden.ConnectAsync("/mcp/legacy");
        await using var second = await warden.ConnectAsync("/mcp/legacy");

        var a = await UpstreamSessions.IdOfAsync(first);
        var b = await UpstreamSessions.IdOfAsync(second);

        Assert.NotEqual(a, b);
        Assert.Equal(a, await UpstreamSessions.IdOfAsync(first));
    }

    [Fact]
    public async Task SseUpstream_SessionFreedByIdleSweep_ContinuesOnNewUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync("--sse");
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.SseTestServer(upstream.SseUrl), time: clock);
        await using var client = await warden.ConnectAsync("/mcp/legacy");
        var before = await ClientInfoAsync(client);

        clock.Advance(TimeSpan.FromHours(2));
        await warden.Services.GetRequiredService<SessionStore>().SweepAsync();
        Assert.Equal(0, warden.Services.GetRequiredService<UpstreamRegistry>().Health().Single(h => h.Name == "legacy").Connections);

        // An SSE session lives as long as its event stream, so Warden opens a new one, replaying the client's initialize.
        var after = await ClientInfoAsync(client);
        Assert.NotEqual(before["sessionId"]!.GetValue<string>(), after["sessionId"]!.GetValue<string>());
        Assert.Equal(before["clientInfo"]!.ToJsonString(), after["clientInfo"]!.ToJsonString());
    }

    private static async Task<JsonNode> ClientInfoAsync(McpClient client)
    {
        var result = await client.CallToolAsync("get_client_info");
        return JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!;
    }
}
