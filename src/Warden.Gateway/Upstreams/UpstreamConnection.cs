using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Warden.Core.Configuration;
using Warden.Gateway.Mcp;
using Warden.Gateway.Telemetry;

namespace Warden.Gateway.Upstreams;

/// <summary>
/// One live connection to an upstream MCP server (a stdio process or an HTTP session), carrying the
/// requests of one client session (dedicated) or of many (shared). Request ids and progress tokens are
/// rewritten to connection-unique values on the way up and restored on the way back, so sessions sharing
/// a connection can never see each other's traffic. Failures come back as JSON-RPC error values.
/// </summary>
internal sealed partial class UpstreamConnection : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly ConcurrentDictionary<long, Pending> _pendingByProgress = new();
    private readonly ConcurrentDictionary<IUpstreamListener, byte> _listeners = new();

    // Messages for a client that arrive before any session has attached (an upstream may ask for
    // roots/list the moment it is initialized); delivered, in order, to the first listener.
    private readonly Lock _earlyLock = new();
    private List<JsonRpcMessage>? _early = [];
    private readonly Task _readLoop;
    private readonly CancellationTokenSource _closing = new();
    private long _nextId;
    private volatile Pending? _latest;
    private volatile string? _closedReason;
    private long _lastActivityTicks;

    private readonly WardenMetrics? _metrics;

    public UpstreamConnection(ServerConfig server, ITransport transport, bool shared, ILogger logger, TimeProvider time, WardenMetrics? metrics = null)
    {
        Server = server;
        _metrics = metrics;
        _transport = transport;
        Shared = shared;
        _logger = logger;
        Time = time;
        Touch();
        _readLoop = Task.Run(ReadLoopAsync);
    }

    public ServerConfig Server { get; }

    public string ServerName => Server.Name;

    /// <summary>The upstream credential Warden injected into this connection (<c>servers.NAME.credentials</c>), or null: masked in its callers' audit records.</summary>
    public string? InjectedSecret => Server.Credentials is { } c
        && (c.Env is { } env ? Server.Env.GetValueOrDefault(env) : c.Header is { } header ? Server.Headers.GetValueOrDefault(header) : null) is { } rendered
            ? c.SecretIn(rendered)
            : null;

    /// <summary>True when several client sessions use this connection.</summary>
    public bool Shared { get; }

    public TimeProvider Time { get; }

    /// <summary>The upstream's session id (HTTP), used to resume the session from another replica.</summary>
    public string? UpstreamSessionId => _transport.SessionId;

    /// <summary>True when the upstream speaks the stateless 2026-07-28 revision (and checks its own request headers).</summary>
    public bool Modern { get; init; }

    /// <summary>The upstream's initialize result, once initialized.</summary>
    public JsonObject? InitializeResult { get; set; }

    public bool IsClosed => _closedReason is not null;

    public string? ClosedReason => _closedReason;

    public int PendingCount => _pending.Count;

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public Task Completion => _readLoop;

    public void Attach(IUpstreamListener listener)
    {
        List<JsonRpcMessage>? early;
        lock (_earlyLock)
        {
            _listeners.TryAdd(listener, 0);
            early = _early;
            _early = null;
        }

        foreach (var message in early ?? [])
        {
            Dispatch(message);
        }
    }

    public void Detach(IUpstreamListener listener) => _listeners.TryRemove(listener, out _);

    public int ListenerCount => _listeners.Count;

    /// <summary>
    /// Sends a request and waits for its response. The returned message carries the caller's original id.
    /// Timeouts, cancellation and a lost upstream all come back as <see cref="JsonRpcError"/> values.
    /// </summary>
    public async Task<JsonRpcMessageWithId> SendRequestAsync(JsonRpcRequest request, IUpstreamListener? owner, object? tag, CancellationToken cancellationToken, TimeSpan? timeoutOverride = null, bool awaitSend = false)
    {
        var originalId = request.Id;
        if (_closedReason is { } reason)
        {
            return JsonRpcErrors.Create(originalId, JsonRpcErrors.UpstreamUnavailable, reason);
        }

        var id = Interlocked.Increment(ref _nextId);
        var pending = new Pending(id, originalId, owner, tag);
        request.Id = new RequestId(id);
        if (request.Params is JsonObject parameters && parameters["_meta"] is JsonObject meta && meta["progressToken"] is JsonValue token)
        {
            pending.OriginalProgressToken = token.DeepClone();
            meta["progressToken"] = id;
            _pendingByProgress[id] = pending;
        }

        _pending[id] = pending;
        _latest = pending;
        Touch();

        // A subscriptions/listen stream stays open until the client closes it: a stream, not a call to time.
        var isCall = request.Method != "subscriptions/listen";
        var name = isCall ? RequestFields.Read(request).Name : null;
        using var span = isCall ? McpSpans.StartClient(this, request, name) : null;
        var started = Time.GetTimestamp();
        var sendAbort = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        pending.SendAbort = sendAbort;
        var sent = SendAsync(request, pending, sendAbort);

        var limit = timeoutOverride ?? (isCall ? Server.Timeout : Timeout.InfiniteTimeSpan);
        using var timeout = new CancellationTokenSource(limit, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        JsonRpcMessageWithId? answer = null;
        try
        {
            var response = await pending.Response.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (awaitSend)
            {
                // The SDK's HTTP transport hands over the response before it has read the session id
                // from the headers; wait for the POST to finish so later messages carry that id.
                await sent.WaitAsync(linked.Token).ConfigureAwait(false);
            }

            return answer = response;
        }
        catch (OperationCanceledException)
        {
            Forget(pending);
            Abort(sendAbort);
            await CancelUpstreamAsync(id, timeout.IsCancellationRequested ? "timeout" : "cancelled").ConfigureAwait(false);
            return answer = timeout.IsCancellationRequested
                ? JsonRpcErrors.Create(originalId, JsonRpcErrors.RequestTimeout, $"Upstream server '{ServerName}' did not answer {request.Method} within {limit.TotalSeconds:0.###}s; Warden cancelled it. Retry, or raise servers.{ServerName}.timeout if the tool is slow by nature.")
                : JsonRpcErrors.Create(originalId, JsonRpcErrors.RequestTimeout, "Request cancelled.");
        }
        finally
        {
            if (pending.OriginalProgressToken is not null)
            {
                _pendingByProgress.TryRemove(id, out _);
            }

            if (isCall)
            {
                var errorType = answer is null ? "_OTHER" : McpSpans.ErrorType(answer);
                if (answer is not null)
                {
                    McpSpans.Complete(span, answer, errorType);
                }

                _metrics?.UpstreamCall(new CallTags(request.Method, ServerName, name, null), Server.Kind == UpstreamKind.Stdio ? "pipe" : "tcp", errorType, Time.GetElapsedTime(started));
            }
        }
    }

    /// <summary>
    /// Forwards a cancellation the client sent for one of its requests. The request is forgotten at
    /// once: its waiter gets a cancelled error, and a late upstream response is dropped.
    /// </summary>
    public async Task CancelAsync(object tag, string? reason)
    {
        foreach (var pending in _pending.Values)
        {
            if (ReferenceEquals(pending.Tag, tag) && _pending.TryRemove(pending.Id, out _))
            {
                if (pending.SendAbort is { } abort)
                {
                    Abort(abort);
                }

                await CancelUpstreamAsync(pending.Id, reason).ConfigureAwait(false);
                pending.Response.TrySetResult(JsonRpcErrors.Create(pending.OriginalId, JsonRpcErrors.RequestTimeout, "Request cancelled by the client."));
                return;
            }
        }
    }

    /// <summary>Sends a notification or a response (to a server-to-client request) to the upstream.</summary>
    public async Task SendAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (_closedReason is not null)
        {
            return;
        }

        Touch();
        try
        {
            await _transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSendFailed(ServerName, ex.Message);
        }
    }

    private async Task SendAsync(JsonRpcRequest request, Pending pending, CancellationTokenSource abort)
    {
        try
        {
            // For HTTP upstreams this completes only when the whole POST response has been read,
            // so it runs beside the wait for the response rather than before it.
            await _transport.SendMessageAsync(request, abort.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && _closedReason is null)
        {
            // Abandoned after a timeout or cancellation; the caller has its answer already.
        }
        catch (Exception ex)
        {
            var message = ex is OperationCanceledException && _closedReason is { } reason
                ? reason
                : $"Upstream server '{ServerName}' could not be reached: {Describe(ex)}";
            if (_pending.TryRemove(pending.Id, out _))
            {
                pending.Response.TrySetResult(JsonRpcErrors.Create(pending.OriginalId, JsonRpcErrors.UpstreamUnavailable, message));
            }

            if (IsSessionGone(ex))
            {
                Close($"Upstream server '{ServerName}' ended the session.");
            }
        }
        finally
        {
            abort.Dispose();
        }
    }

    private static void Abort(CancellationTokenSource abort)
    {
        try
        {
            abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task CancelUpstreamAsync(long id, string? reason)
    {
        var parameters = new JsonObject { ["requestId"] = id };
        if (reason is not null)
        {
            parameters["reason"] = reason;
        }

        await SendAsync(new JsonRpcNotification { Method = NotificationMethods.CancelledNotification, Params = parameters }).ConfigureAwait(false);
    }

    private void Forget(Pending pending) => _pending.TryRemove(pending.Id, out _);

    private async Task ReadLoopAsync()
    {
        string reason = $"Upstream server '{ServerName}' closed the connection.";
        try
        {
            await foreach (var message in _transport.MessageReader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                Touch();
                try
                {
                    Dispatch(message);
                }
                catch (Exception ex)
                {
                    LogDispatchFailed(ServerName, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            reason = $"Upstream server '{ServerName}' failed: {Describe(ex)}";
        }

        Close(reason);
    }

    private bool HoldUntilAttached(JsonRpcMessage message)
    {
        if (_early is null)
        {
            return false;
        }

        lock (_earlyLock)
        {
            if (_early is null)
            {
                return false;
            }

            if (_early.Count < MaxEarlyMessages)
            {
                _early.Add(message);
            }
            else
            {
                LogEarlyDropped(ServerName, message is JsonRpcRequest r ? r.Method : ((JsonRpcNotification)message).Method);
                if (message is JsonRpcRequest request)
                {
                    _ = SendAsync(JsonRpcErrors.Create(request.Id, JsonRpcErrors.InternalError, "No client session is connected to answer this request."));
                }
            }

            return true;
        }
    }

    private const int MaxEarlyMessages = 256;

    private void Dispatch(JsonRpcMessage message)
    {
        switch (message)
        {
            case JsonRpcMessageWithId response and (JsonRpcResponse or JsonRpcError):
                if (response.Id.Id is long id && _pending.TryRemove(id, out var pending))
                {
                    pending.Response.TrySetResult(WithId(response, pending.OriginalId));
                }
                else
                {
                    LogUnmatchedResponse(ServerName, response.Id.ToString());
                }

                break;

            case JsonRpcNotification { Method: NotificationMethods.ProgressNotification } progress:
                if (progress.Params is JsonObject p && p["progressToken"] is JsonValue tokenValue && tokenValue.TryGetValue<long>(out var token)
                    && _pendingByProgress.TryGetValue(token, out var owner))
                {
                    p["progressToken"] = owner.OriginalProgressToken!.DeepClone();
                    owner.Owner?.OnUpstreamNotification(this, progress, owner.Tag);
                }

                break;

            case JsonRpcNotification notification when notification.Context?.Items is { } items
                && items.TryGetValue(ModernHttpTransport.RelatedRequestKey, out var related) && related is long relatedId
                && _pending.TryGetValue(relatedId, out var relatedPending):
                // Arrived on the response stream of one request (stateless upstreams): it belongs to that request alone.
                relatedPending.Owner?.OnUpstreamNotification(this, notification, relatedPending.Tag);
                break;

            case JsonRpcNotification notification when notification.Context?.Items?.ContainsKey(ModernHttpTransport.RelatedRequestKey) == true:
                // Its request is over (cancelled, or a listen stream Warden closed): nobody else may see it.
                LogLateRelated(ServerName, notification.Method);
                break;

            case JsonRpcNotification notification when _listeners.IsEmpty && HoldUntilAttached(notification):
                break;

            case JsonRpcNotification notification:
                foreach (var listener in _listeners.Keys)
                {
                    listener.OnUpstreamNotification(this, Shared ? Copy(notification) : notification, null);
                }

                break;

            case JsonRpcRequest request:
                var target = _latest is { Owner: { } latestOwner } latest && _pending.ContainsKey(latest.Id)
                    ? (latestOwner, latest.Tag)
                    : (_listeners.Keys.FirstOrDefault(), null);
                if (target.Item1 is null && HoldUntilAttached(request))
                {
                    break;
                }

                if (target.Item1 is null)
                {
                    _ = SendAsync(JsonRpcErrors.Create(request.Id, JsonRpcErrors.InternalError, "No client session is connected to answer this request."));
                }
                else
                {
                    target.Item1.OnUpstreamRequest(this, request, target.Item2);
                }

                break;
        }
    }

    // A copy, not the transport's message: the SDK's HTTP transport compares the id of the message it just
    // handed over with its request's to know the POST is answered; changing it there made it read on and
    // fail the POST ("completed without a reply"), which for initialize left the transport without a session.
    private static JsonRpcMessageWithId WithId(JsonRpcMessageWithId response, RequestId id) => response switch
    {
        JsonRpcResponse r => new JsonRpcResponse { Id = id, Result = r.Result, Context = r.Context },
        JsonRpcError e => new JsonRpcError { Id = id, Error = e.Error, Context = e.Context },
        _ => response,
    };

    private static JsonRpcNotification Copy(JsonRpcNotification notification) =>
        new() { Method = notification.Method, Params = notification.Params?.DeepClone() };

    /// <summary>Marks the connection closed and fails every pending request with <paramref name="reason"/>.</summary>
    public void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closedReason, reason, null) is not null)
        {
            return;
        }

        LogClosed(ServerName, reason);
        foreach (var pending in _pending.Values)
        {
            if (_pending.TryRemove(pending.Id, out _))
            {
                pending.Response.TrySetResult(JsonRpcErrors.Create(pending.OriginalId, JsonRpcErrors.UpstreamUnavailable, $"{reason} The request was not completed; retry it."));
            }
        }

        foreach (var listener in _listeners.Keys)
        {
            listener.OnUpstreamClosed(this, reason);
        }

        _closing.Cancel();
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivityTicks, Time.GetUtcNow().UtcTicks);

    private static bool IsSessionGone(Exception ex) =>
        ex is HttpRequestException { StatusCode: System.Net.HttpStatusCode.NotFound };

    internal static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status} {status}",
        HttpRequestException http => http.InnerException?.Message ?? http.Message,
        _ => ex.Message,
    };

    public async ValueTask DisposeAsync()
    {
        Close($"Upstream server '{ServerName}' connection was shut down by Warden.");
        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogDisposeFailed(ServerName, ex.Message);
        }

        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _closing.Dispose();
    }

    private sealed class Pending(long id, RequestId originalId, IUpstreamListener? owner, object? tag)
    {
        public long Id { get; } = id;
        public RequestId OriginalId { get; } = originalId;
        public IUpstreamListener? Owner { get; } = owner;
        public object? Tag { get; } = tag;
        public JsonNode? OriginalProgressToken { get; set; }
        public CancellationTokenSource? SendAbort { get; set; }
        public TaskCompletionSource<JsonRpcMessageWithId> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Upstream {Server}: sending failed: {Reason}")]
    private partial void LogSendFailed(string server, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Upstream {Server}: handling a message failed")]
    private partial void LogDispatchFailed(string server, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Upstream {Server}: response to unknown request id {Id} ignored")]
    private partial void LogUnmatchedResponse(string server, string id);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Upstream {Server}: connection closed: {Reason}")]
    private partial void LogClosed(string server, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Upstream {Server}: {Method} arrived before any client session attached and the early buffer is full; dropped")]
    private partial void LogEarlyDropped(string server, string method);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Upstream {Server}: shutting down the transport failed: {Reason}")]
    private partial void LogDisposeFailed(string server, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Upstream {Server}: {Method} arrived on the stream of a request that is over; dropped")]
    private partial void LogLateRelated(string server, string method);
}
