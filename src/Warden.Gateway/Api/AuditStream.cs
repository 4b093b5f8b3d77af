using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;

namespace Warden.Gateway.Api;

/// <summary>
/// <c>GET /api/v1/audit/stream</c>: Server-Sent Events of audit records as they are committed, with the filters of
/// <c>GET /api/v1/audit</c>. Each <c>record</c> event carries one record's JSON as <c>GET /api/v1/audit/{id}</c> returns
/// it (opened: personal fields decrypted, the stored record's hash) and its seq as the event id;
/// a client that falls behind gets a <c>lagged</c> event naming the seq range it lost (fetch it from
/// <c>/api/v1/audit</c>), never a slower log. <c>Last-Event-ID</c> replays what was committed after that seq first.
/// The credential that opened the stream is checked again before records are sent (at most once a second) and at
/// every keep-alive: once it is revoked or has expired, the stream sends an <c>ended</c> event and closes.
/// </summary>
internal static class AuditStream
{
    private const int Buffer = 1024;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(HttpContext http, IAuditStore store, AuditRecordSealer sealer, Func<ValueTask<bool>> stillAdmitted, TimeProvider time)
    {
        var parameters = http.Request.Query;
        var problem = parameters.ContainsKey("cursor") || parameters.ContainsKey("limit")
            ? "cursor and limit page through GET /api/v1/audit; the stream sends every matching record as it is committed."
            : AuditApi.ProblemOf(parameters);
        if (problem is not null)
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad audit stream filter", detail: problem).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var filter = new AuditRecordFilter(AuditApi.Parse(parameters)!);
        var aborted = http.RequestAborted;

        // Subscribed before anything is written: once a client has the first bytes, it sees every later record.
        using var subscription = store.Feed.Subscribe(Buffer);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await WriteAsync(http, ": subscribed\n\n", aborted).ConfigureAwait(false);
            var last = 0L;
            if (long.TryParse(http.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var resumeAfter))
            {
                await foreach (var record in store.ReadAsync(resumeAfter + 1, aborted).ConfigureAwait(false))
                {
                    await SendAsync(http, filter, sealer, record, aborted).ConfigureAwait(false);
                    last = record.Seq;
                }
            }

            // One read outstanding at a time: a read that outlives a keep-alive still delivers its item.
            Task<AuditFeedItem>? next = null;
            var checkedAt = time.GetTimestamp();
            while (!aborted.IsCancellationRequested)
            {
                if (time.GetElapsedTime(checkedAt) >= Recheck)
                {
                    if (!await stillAdmitted().ConfigureAwait(false))
                    {
                        await WriteAsync(http, "event: ended\ndata: {\"reason\":\"the credential that opened this stream is no longer valid (revoked, expired or its roles changed); open it again with a valid one\"}\n\n", aborted).ConfigureAwait(false);
                        return;
                    }

                    checkedAt = time.GetTimestamp();
                }

                next ??= subscription.ReadAsync(aborted).AsTask();
                AuditFeedItem item;
                try
                {
                    item = await next.WaitAsync(KeepAlive, aborted).ConfigureAwait(false);
                    next = null;
                }
                catch (TimeoutException)
                {
                    await WriteAsync(http, ": keep-alive\n\n", aborted).ConfigureAwait(false);
                    checkedAt = 0;
                    continue;
                }

                if (item.Record is { } record)
                {
                    if (record.Seq > last)
                    {
                        await SendAsync(http, filter, sealer, record, aborted).ConfigureAwait(false);
                        last = record.Seq;
                    }
                }
                else if (item.MissedTo > last)
                {
                    var from = Math.Max(item.MissedFrom, last + 1);
                    await WriteAsync(http, $"event: lagged\ndata: {{\"missed\":{item.MissedTo - from + 1},\"from_seq\":{from},\"to_seq\":{item.MissedTo}}}\n\n", aborted).ConfigureAwait(false);
                    last = item.MissedTo;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
    }

    // Filters apply to the record as it reads (a user filter names the person, not the pseudonym stored).
    private static async Task SendAsync(HttpContext http, AuditRecordFilter filter, AuditRecordSealer sealer, AuditRecord record, CancellationToken cancellationToken)
    {
        var opened = await sealer.OpenAsync(record, cancellationToken).ConfigureAwait(false);
        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(opened));
        if (filter.Matches(opened, json))
        {
            await WriteAsync(http, $"id: {record.Seq.ToString(CultureInfo.InvariantCulture)}\nevent: record\ndata: {json}\n\n", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken cancellationToken)
    {
        await http.Response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
