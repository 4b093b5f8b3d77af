#pragma warning disable MCP9005 // sampling is deprecated in 2026-07-28 but still what 2025 clients speak
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>
/// 2025-era clients (initialize, sessions) reaching an upstream that speaks only the stateless 2026-07-28
/// revision and refuses initialize: Warden bridges, turning the upstream's input_required rounds into
/// server-to-client requests and its Mcp-Param-* headers, listen stream and missing methods into what a
/// 2025 session expects.
/// </summary>
public sealed class ReverseBridgeTests : StatelessOnlyUpstream
{
    [Fact]
    public async Task SessionClient_StatelessOnlyUpstream_InitializesListsAndCalls()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        await using var client = await warden.ConnectAsync("/mcp/modern");

        Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
        var tools = await client.ListToolsAsync();
        Assert.Contains(tools, t => t.Name == "test_simple_text");
        await client.PingAsync();

        var result = await client.CallToolAsync("test_simple_text");
        Assert.NotEqual(true, result.IsError);
        Assert.False(string.IsNullOrEmpty(Assert.IsType<TextContentBlock>(result.Content[0]).Text));
    }

    [Fact]
    public async Task InputRequired_FromStatelessUpstream_BecomesSamplingRequestToSessionClient()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        var prompts = new List<string>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) =>
                {
                    lock (prompts)
                    {
                        prompts.Add(string.Concat(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(t => t.Text)));
                    }

                    return ValueTask.FromResult(new CreateMessageResult
                    {
                        Model = "bridge-model",
                        Role = Role.Assistant,
                        Content = [new TextContentBlock { Text = "Paris, via the bridge" }],
                    });
                },
            },
        };
        await using var client = await warden.ConnectAsync("/mcp/modern", options);

        var result = await client.CallToolAsync("test_input_required_result_sampling");

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Sampling said: Paris, via the bridge", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.Contains(prompts, p => p.Contains("capital of France", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MultiRoundInput_WithRequestState_CompletesOnTheAggregate()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        var elicited = 0;
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    Interlocked.Increment(ref elicited);
                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, System.Text.Json.JsonElement> { ["name"] = System.Text.Json.JsonSerializer.SerializeToElement("Ada") },
                    });
                },
            },
        };
        await using var client = await warden.ConnectAsync("/mcp", options);

        var greeting = await client.CallToolAsync("modern__test_input_required_result_elicitation");
        Assert.Equal("Hello, Ada!", Assert.IsType<TextContentBlock>(greeting.Content[0]).Text);
        Assert.Equal(1, elicited);

        // The state token travels back on the retry untouched (the tool answers state-ok only then).
        var state = await client.CallToolAsync("modern__test_input_required_result_request_state");
        Assert.NotEqual(true, state.IsError);
        Assert.Contains("state-ok", string.Concat(state.Content.OfType<TextContentBlock>().Select(t => t.Text)));
    }

    [Fact]
    public async Task ToolWithHeaderArgument_GetsMcpParamHeaderFromArguments()
    {
        await using var warden = await WardenHost.StartAsync(Config);
        await using var client = await warden.ConnectAsync("/mcp/modern");

        // A stateless server refuses this call without a matching Mcp-Param-Region header; the 2025 client sends none.
        var result = await client.CallToolAsync("test_header_tool", new Dictionary<string, object?> { ["region"] = "eu-west-1", ["query"] = "select 1" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Executed in region eu-west-1: select 1", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }
}
