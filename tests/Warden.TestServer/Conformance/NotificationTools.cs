using System.ComponentModel;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>Conformance tools that emit notifications while a call is in flight.</summary>
[McpServerToolType]
public sealed class NotificationTools
{
    // The scenario asserts several notifications arrive *during* the call, so they are spaced out.
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(50);

    [McpServerTool(Name = "test_tool_with_logging", ReadOnly = true)]
    [Description("Sends three info-level log notifications while it runs.")]
    public static async Task<string> ToolWithLogging(McpServer server, CancellationToken cancellationToken)
    {
        // The client logger honours the level the client set with logging/setLevel (or per-request _meta),
        // which is the behaviour the scenario checks.
        var logger = server.AsClientLoggerProvider().CreateLogger("conformance");
        logger.LogInformation("Tool execution started");
        await Task.Delay(Gap, cancellationToken);
        logger.LogInformation("Tool processing data");
        await Task.Delay(Gap, cancellationToken);
        logger.LogInformation("Tool execution completed");
        return "Tool with logging executed successfully";
    }

    [McpServerTool(Name = "test_tool_with_progress", ReadOnly = true)]
    [Description("Reports progress 0, 50 and 100 of 100 for the request's progress token.")]
    public static async Task<string> ToolWithProgress(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken)
    {
        if (context.Params?.ProgressToken is not { } token)
        {
            return "No progress token provided";
        }

        foreach (var progress in (float[])[0, 50, 100])
        {
            await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = progress, Total = 100 }, cancellationToken: cancellationToken);
            if (progress < 100)
            {
                await Task.Delay(Gap, cancellationToken);
            }
        }

        return token.ToString() ?? "";
    }
}
