using System.Diagnostics;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

#pragma warning disable MCP9005 // sampling is deprecated in 2026-07-28 but still part of the 2025-11-25 era Warden serves

namespace Warden.Tests.Interop;

/// <summary>Progress, sampling and cancellation cross Warden between real SDK clients and real upstreams.</summary>
public sealed class RoundTripTests
{
    private static readonly JsonObject LongRunning = new()
    {
        ["name"] = "trigger-long-running-operation",
        ["arguments"] = new JsonObject { ["duration"] = 0.5, ["steps"] = 5 },
    };

    [Fact]
    public async Task Progress_TypeScriptClientThroughServerEndpoint_ReceivesEveryStep()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());

        var output = await TsClient.RunAsync(TsClient.Http("progress", warden.BaseUrl + "/mcp/everything").With("call", LongRunning.DeepClone()));

        var progress = output["progress"]!.AsArray();
        Assert.Equal([1, 2, 3, 4, 5], progress.Select(p => p!["progress"]!.GetValue<int>()));
        Assert.All(progress, p => Assert.Equal(5, p!["total"]!.GetValue<int>()));
        Assert.Equal("Long running operation completed. Duration: 0.5 seconds, Steps: 5.", output["result"]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Progress_CSharpClientThroughAggregate_ReceivesEveryStep()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        // A client-lifetime handler: the C# SDK drops its per-call progress handler once the response is
        // handled, and the last step is sent just before the response, so a per-call IProgress can miss it
        // (even on a direct connection).
        var progress = new ProgressCollector(expected: 5);
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ProgressNotification, progress.HandleAsync)] },
        };
        await using var client = await warden.ConnectAsync("/mcp", options);

        var result = await client.CallToolAsync(
            "everything__trigger-long-running-operation",
            new Dictionary<string, object?> { ["duration"] = 0.5, ["steps"] = 5 },
            options: new RequestOptions { ProgressToken = new ProgressToken("aggregate-progress") });
        var updates = await progress.All.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("Long running operation completed. Duration: 0.5 seconds, Steps: 5.", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        Assert.All(updates, u => Assert.Equal("aggregate-progress", u.ProgressToken.ToString()));
        Assert.Equal([1f, 2f, 3f, 4f, 5f], updates.Select(u => u.Progress.Progress).Order());
        Assert.All(updates, u => Assert.Equal(5f, u.Progress.Total));
    }

    [Fact]
    public async Task Sampling_TypeScriptClientThroughServerEndpoint_AnswersUpstreamAsDirect()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        JsonObject Plan(JsonObject plan) => plan
            .With("call", new JsonObject { ["name"] = "trigger-sampling-request", ["arguments"] = new JsonObject { ["prompt"] = "What does Warden do?", ["maxTokens"] = 32 } })
            .With("reply", "Warden forwards MCP messages.");

        var directRun = TsClient.RunAsync(Plan(TsClient.Stdio("sampling", NodeTools.Node, NodeTools.EverythingServer, "stdio")));
        var wardenRun = TsClient.RunAsync(Plan(TsClient.Http("sampling", warden.BaseUrl + "/mcp/everything")));
        var (expected, actual) = (await directRun, await wardenRun);

        var request = Assert.Single(actual["samplingRequests"]!.AsArray())!;
        Assert.Contains("What does Warden do?", request["messages"]![0]!["content"]!["text"]!.GetValue<string>());
        Assert.Equal(32, request["maxTokens"]!.GetValue<int>());
        var text = actual["result"]!["content"]![0]!["text"]!.GetValue<string>();
        Assert.Contains("Warden forwards MCP messages.", text);
        Assert.Contains("warden-interop-model", text);
        Assert.Equal(InteropJson.Canonical(expected["samplingRequests"]), InteropJson.Canonical(actual["samplingRequests"]));
        Assert.Equal(InteropJson.Canonical(expected["result"]), InteropJson.Canonical(actual["result"]));
    }

    [Fact]
    public async Task Sampling_CSharpClientThroughAggregate_AnswerReachesToolResult()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.EverythingStdio());
        var prompts = new List<string>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) =>
                {
                    lock (prompts)
                    {
                        prompts.AddRange(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(t => t.Text));
                    }

                    return ValueTask.FromResult(new CreateMessageResult
                    {
                        Model = "csharp-interop-model",
                        Role = Role.Assistant,
                        Content = [new TextContentBlock { Text = "sampled through the aggregate" }],
                    });
                },
            },
        };
        await using var client = await warden.ConnectAsync("/mcp", options);

        var result = await client.CallToolAsync("everything__trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "aggregate prompt" });

        Assert.NotEqual(true, result.IsError);
        var text = Assert.IsType<TextContentBlock>(result.Content[0]).Text;
        Assert.Contains("sampled through the aggregate", text);
        Assert.Contains("csharp-interop-model", text);
        lock (prompts)
        {
            Assert.Contains(prompts, p => p.Contains("aggregate prompt", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Cancellation_RawNotificationThroughServerEndpoint_ReachesUpstream()
    {
        // A long timeout: Warden's own timeout also cancels upstream, and must not be what the upstream reports.
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "60s"));
        using var session = await RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test");
        Assert.Equal("null", await session.CallToolTextAsync(1000, "last_cancelled"));

        // The call and its cancellation travel on separate POSTs, so a cancellation sent too early could overtake
        // the call or land before the tool runs. The hang tool reports progress once it runs: cancel after that.
        using var call = await session.PostAsync(1, "tools/call", new JsonObject
        {
            ["name"] = "hang",
            ["arguments"] = new JsonObject(),
            ["_meta"] = new JsonObject { ["progressToken"] = "hang-1" },
        });
        call.EnsureSuccessStatusCode();
        using var events = new StreamReader(await call.Content.ReadAsStreamAsync());
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await events.ReadLineAsync(wait.Token) is { } line && !(line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("notifications/progress", StringComparison.Ordinal)))
        {
        }

        using var accepted = await session.NotifyAsync("notifications/cancelled", new JsonObject { ["requestId"] = 1, ["reason"] = "interop test" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);

        // The upstream records the cancellation when its token fires, beside answering last_cancelled.
        JsonObject? seen = null;
        for (var poll = 0; seen is null && poll < 100; poll++)
        {
            seen = JsonNode.Parse(await session.CallToolTextAsync(2000 + poll, "last_cancelled")) as JsonObject;
            if (seen is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(seen is not null, "The upstream never reported the cancelled hang.");
        Assert.Equal("hang", seen["tool"]!.GetValue<string>());

        // A cancelled request gets no response: its stream ends at once, not at Warden's timeout.
        var rest = await events.ReadToEndAsync(wait.Token);
        Assert.DoesNotContain("\"result\"", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_TypeScriptAbortSignalThroughServerEndpoint_ReachesUpstream()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "60s"));

        var output = await TsClient.RunAsync(TsClient.Http("cancel", warden.BaseUrl + "/mcp/test"));

        Assert.Equal("rejected", output["local"]!["outcome"]!.GetValue<string>());
        Assert.Equal("hang", output["lastCancelled"]?["tool"]?.GetValue<string>());
    }
}
