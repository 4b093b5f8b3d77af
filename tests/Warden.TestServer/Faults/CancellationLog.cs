using Microsoft.Extensions.Logging;

namespace Warden.TestServer.Faults;

/// <summary>
/// Remembers the last tool call that was cancelled, so a Warden test can ask the upstream (through tool
/// <c>last_cancelled</c>) whether a client's cancellation really reached it.
/// </summary>
public sealed partial class CancellationLog(ILogger<CancellationLog> logger)
{
    private CancelledCall? _last;


    public CancelledCall? Last => Volatile.Read(ref _last);

    public void Record(CancelledCall call)
    {
        Volatile.Write(ref _last, call);
        LogCancelled(logger, call.Tool, call.RequestId);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Tool call {Tool} (request {RequestId}) was cancelled")]
    private static partial void LogCancelled(ILogger logger, string tool, string requestId);
}
