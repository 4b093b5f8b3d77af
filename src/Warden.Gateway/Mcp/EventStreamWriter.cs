using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;

namespace Warden.Gateway.Mcp;

/// <summary>
/// Streams an <see cref="EventLog"/> to an open SSE response from a cursor until the log completes or the
/// client goes away, with a keep-alive comment while idle so proxies do not close a quiet stream.
/// </summary>
internal static class EventStreamWriter
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Writes events after <paramref name="after"/>; returns the last sequence number written. A filter
    /// may drop an event (null) or rewrite it. Event ids are written when <paramref name="withIds"/>.
    /// </summary>
    public static async Task<long> WriteAsync(HttpContext http, EventLog log, long after, bool withIds, Func<JsonRpcMessage, JsonRpcMessage?>? filter = null, Action<long>? written = null, CancellationToken stop = default)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stop);
        var aborted = ended.Token;
        var batch = new List<(long Seq, JsonRpcMessage Message)>();
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                batch.Clear();
                var changed = log.Read(after, batch, out var complete, out _);
                foreach (var (seq, message) in batch)
                {
                    if ((filter is null ? message : filter(message)) is { } outgoing)
                    {
                        await McpResponses.WriteSseAsync(http, outgoing, withIds ? log.EventId(seq) : null).ConfigureAwait(false);
                    }

                    after = seq;
                    written?.Invoke(seq);
                }

                if (batch.Count > 0)
                {
                    continue;
                }

                if (complete)
                {
                    break;
                }

                try
                {
                    await changed.WaitAsync(KeepAlive, aborted).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await http.Response.Body.WriteAsync(": keep-alive\n\n"u8.ToArray(), aborted).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }

        return after;
    }
}
