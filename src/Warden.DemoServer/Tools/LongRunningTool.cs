using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.DemoServer.Tools;

/// <summary>A task that takes a while, to show progress notifications and cancellation through Warden.</summary>
[McpServerToolType]
public sealed class LongRunningTool
{
    private const int MaxSeconds = 600;

    [McpServerTool(Name = "long_running_task", Title = "Long-running task", ReadOnly = true, Destructive = false, OpenWorld = false)]
    [Description("Simulates work lasting `seconds`, split into `steps`. Sends a progress notification after each step " +
        "when the caller supplied a progress token, and stops as soon as the request is cancelled.")]
    public static async Task<CallToolResult> RunAsync(
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        TimeProvider time,
        [Description("Total duration in seconds (1-600)")] int seconds = 10,
        [Description("Number of steps, each reported as progress (1-1000)")] int steps = 5,
        CancellationToken cancellationToken = default)
    {
        if (seconds is < 1 or > MaxSeconds || steps is < 1 or > 1000)
        {
            return ToolResults.Error($"seconds must be 1-{MaxSeconds} and steps 1-1000; got seconds={seconds}, steps={steps}.");
        }

        var token = context.Params?.ProgressToken;
        var stepDelay = TimeSpan.FromSeconds((double)seconds / steps);
        for (var step = 1; step <= steps; step++)
        {
            // Cancellation (notifications/cancelled, or the client going away) ends the delay early.
            await Task.Delay(stepDelay, time, cancellationToken);
            if (token is { } progressToken)
            {
                await server.NotifyProgressAsync(
                    progressToken,
                    new ProgressNotificationValue { Progress = step, Total = steps, Message = $"Step {step} of {steps}" },
                    cancellationToken: cancellationToken);
            }
        }

        return ToolResults.Text($"Finished {steps} steps in about {seconds} s.");
    }
}
