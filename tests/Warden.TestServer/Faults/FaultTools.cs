using System.ComponentModel;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Warden.TestServer.Hosting;

namespace Warden.TestServer.Faults;

/// <summary>Misbehaving tools for Warden's fault tests: slowness, hangs, crashes, huge and corrupt output.</summary>
[McpServerToolType]
public sealed class FaultTools
{
    // Large enough for any throughput test, small enough that a typo cannot take the machine down.
    private const int MaxBigResultBytes = 256 * 1024 * 1024;

    [McpServerTool(Name = "slow_echo", ReadOnly = true, Idempotent = true)]
    [Description("Echoes the message after delayMs milliseconds. If cancelled first, tool last_cancelled reports it.")]
    public static async Task<string> SlowEcho(
        RequestContext<CallToolRequestParams> context,
        CancellationLog cancellations,
        [Description("Text to echo back")] string message,
        [Description("Delay before answering, in milliseconds")] int delayMs,
        CancellationToken cancellationToken)
    {
        await WaitRecordingCancellationAsync(context, cancellations, message, TimeSpan.FromMilliseconds(Math.Max(0, delayMs)), cancellationToken);
        return message;
    }

    [McpServerTool(Name = "hang", ReadOnly = true)]
    [Description("Never answers; returns only by being cancelled (which last_cancelled then reports). With a progress token, reports progress 0 once it runs, so a client knows a cancellation now reaches it.")]
    public static async Task<string> Hang(
        RequestContext<CallToolRequestParams> context,
        CancellationLog cancellations,
        IProgress<ModelContextProtocol.ProgressNotificationValue> progress,
        CancellationToken cancellationToken)
    {
        progress.Report(new ModelContextProtocol.ProgressNotificationValue { Progress = 0, Message = "hanging until cancelled" });
        await WaitRecordingCancellationAsync(context, cancellations, null, Timeout.InfiniteTimeSpan, cancellationToken);
        return "unreachable";
    }

    [McpServerTool(Name = "last_cancelled", ReadOnly = true)]
    [Description("Returns the request id, tool and message of the most recent cancelled call, or null.")]
    public static string LastCancelled(CancellationLog cancellations) => cancellations.Last is { } last
        ? new JsonObject
        {
            ["requestId"] = last.RequestId,
            ["tool"] = last.Tool,
            ["message"] = last.Message,
            ["at"] = last.At.ToString("O"),
        }.ToJsonString(TestServerJson.Options)
        : "null";

    [McpServerTool(Name = "crash", Destructive = true)]
    [Description("Terminates the server process at once with exit code 3, mid-call, without answering.")]
    public static string Crash()
    {
        Environment.Exit(3);
        return "unreachable";
    }

    [McpServerTool(Name = "big_result", ReadOnly = true, Idempotent = true)]
    [Description("Returns one text block of exactly the requested number of bytes (ASCII).")]
    public static CallToolResult BigResult([Description("Size of the text block in bytes")] int bytes) => bytes is < 0 or > MaxBigResultBytes
        ? Error($"bytes must be between 0 and {MaxBigResultBytes}, got {bytes}")
        : new CallToolResult { Content = [new TextContentBlock { Text = BuildText(bytes) }] };

    [McpServerTool(Name = "garbage_stdout")]
    [Description("Writes a line that is not JSON to stdout (between protocol messages), then answers normally.")]
    public static async Task<string> GarbageStdout(GatedStdoutStream stdout, CancellationToken cancellationToken)
    {
        await stdout.WriteRawLineAsync("this line is not JSON-RPC: warden-test-server garbage_stdout"u8.ToArray(), cancellationToken);
        return "wrote one non-JSON line to stdout";
    }

    private static async Task WaitRecordingCancellationAsync(
        RequestContext<CallToolRequestParams> context,
        CancellationLog cancellations,
        string? message,
        TimeSpan delay,
        CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellations.Record(new CancelledCall(
                context.JsonRpcRequest.Id.ToString(),
                context.Params?.Name ?? "?",
                message,
                DateTimeOffset.UtcNow));
            throw;
        }
    }

    private static string BuildText(int bytes)
    {
        // A repeating, human-readable pattern makes truncation visible in a failing test's output.
        const string Pattern = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        var text = new StringBuilder(bytes);
        while (text.Length < bytes)
        {
            text.Append(Pattern, 0, Math.Min(Pattern.Length, bytes - text.Length));
        }

        return text.ToString();
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
}
