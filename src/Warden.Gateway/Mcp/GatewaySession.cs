using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit.Redaction;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Core.Sessions;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// A client session on this replica: its upstream links, its requests in flight, the server-to-client
/// requests it owes answers to, and its standalone (GET) event stream. Everything needed to rebuild it
/// lives in the sealed <see cref="SessionTicket"/>, so losing this object loses no session.
/// </summary>
internal sealed partial class GatewaySession : IUpstreamListener, IAsyncDisposable
{
    private const int MaxBufferedEvents = 1024;
    private readonly UpstreamRegistry _upstreams;
    private readonly ConcurrentDictionary<string, Lazy<Task<Link>>> _links = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RequestId, (Exchange Exchange, UpstreamConnection? Connection)> _inFlight = new();
    private readonly ConcurrentDictionary<long, (UpstreamConnection Connection, RequestId UpstreamId)> _serverRequests = new();
    private const int MaxResumableStreams = 64;
    private static readonly TimeSpan ResumeWindow = TimeSpan.FromMinutes(5);

    // Stream ids carry a per-object prefix, so an event id issued by another replica (or an earlier copy
    // of this session) is never mistaken for one of ours.
    private readonly string _streamPrefix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
    private readonly EventLog _getLog;
    private readonly ConcurrentDictionary<string, EventLog> _requestLogs = new(StringComparer.Ordinal);
    private long _nextRequestLog;
    private long _getDelivered;

    private readonly ConcurrentDictionary<string, string> _resourceOwners = new(StringComparer.Ordinal);
    private long _nextServerRequestId;
    private long _lastActivityTicks;
    private int _getStreamOpen;
    private CancellationTokenSource? _getStream;
    private volatile bool _ending;

    public GatewaySession(string id, SessionTicket ticket, Caller caller, UpstreamRegistry upstreams, TimeProvider time)
    {
        Id = id;
        Ticket = ticket;
        Caller = caller;
        _upstreams = upstreams;
        Time = time;
        ClientInitialize = ticket.ClientInitialize is { } init ? JsonNode.Parse(init)?.AsObject() : null;
        _getLog = new EventLog(_streamPrefix + "g", MaxBufferedEvents);
        Touch();
    }

    public string Id { get; }

    public SessionTicket Ticket { get; }

    public Caller Caller { get; }

    public TimeProvider Time { get; }

    public bool IsAggregate => Ticket.Route == "*";

    /// <summary>
    /// True for the per-caller context that serves stateless (2026-07-28) requests: its links speak that
    /// revision to upstreams that do, and 2025 sessions (bridged) to those that do not.
    /// </summary>
    public bool Stateless { get; init; }

    /// <summary>Input schemas of the tools of 2025 upstreams, by server and tool, for checking Mcp-Param-* headers.</summary>
    public ConcurrentDictionary<(string Server, string Tool), JsonObject> ToolSchemas { get; } = new();

    /// <summary>Stateless requests waiting for the client's input (input_required), by requestState.</summary>
    public ConcurrentDictionary<string, Flow> Parked { get; } = new(StringComparer.Ordinal);

    public JsonObject? ClientInitialize { get; }

    public string? ClientName => ClientInitialize?["clientInfo"]?["name"]?.GetValue<string>();

    public string? ClientVersion => ClientInitialize?["clientInfo"]?["version"]?.GetValue<string>();

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>Which server owns a resource URI (aggregate endpoint), learnt from list results.</summary>
    public ConcurrentDictionary<string, string> ResourceOwners => _resourceOwners;

    /// <summary>Server-to-client messages for the GET stream, kept (up to a bound) while no GET stream is open and for resumption.</summary>
    public EventLog Unsolicited => _getLog;

    /// <summary>The last GET-stream event written to a client; a new GET stream without Last-Event-ID starts after it.</summary>
    public long UnsolicitedDelivered => Interlocked.Read(ref _getDelivered);

    public void MarkDelivered(long seq)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _getDelivered)) < seq && Interlocked.CompareExchange(ref _getDelivered, seq, seen) != seen)
        {
        }
    }

    /// <summary>
    /// Opens the event log of a request's SSE response. It stays findable by its stream id (for GET with
    /// Last-Event-ID) until <see cref="ReleaseRequestLog"/> says the client got all of it, or, if the client
    /// lost the stream, for a while after it completes.
    /// </summary>
    public EventLog OpenRequestLog()
    {
        var now = Time.GetUtcNow();
        var kept = _requestLogs.Values.Where(l => l.IsCompleted).OrderBy(l => l.CompletedAt).ToList();
        for (var i = 0; i < kept.Count; i++)
        {
            if (now - kept[i].CompletedAt > ResumeWindow || kept.Count - i > MaxResumableStreams)
            {
                _requestLogs.TryRemove(kept[i].StreamId, out _);
            }
        }

        var log = new EventLog($"{_streamPrefix}r{Interlocked.Increment(ref _nextRequestLog)}", MaxBufferedEvents);
        _requestLogs[log.StreamId] = log;
        return log;
    }

    /// <summary>The client read the whole stream; it need not be kept for resumption.</summary>
    public void ReleaseRequestLog(EventLog log) => _requestLogs.TryRemove(log.StreamId, out _);

    /// <summary>Finds one of this session's streams by the stream part of an event id.</summary>
    public EventLog? FindLog(string streamId) =>
        streamId == _getLog.StreamId ? _getLog : _requestLogs.GetValueOrDefault(streamId);

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, Time.GetUtcNow().UtcTicks);

    /// <summary>
    /// Takes the session's GET stream. A client that reconnects replaces its old stream, which the server
    /// may not yet have noticed is gone; the old one is told to stop.
    /// </summary>
    public CancellationTokenSource TakeGetStream()
    {
        var mine = new CancellationTokenSource();
        var previous = Interlocked.Exchange(ref _getStream, mine);
        try
        {
            previous?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        return mine;
    }

    public void ReleaseGetStream(CancellationTokenSource mine)
    {
        Interlocked.CompareExchange(ref _getStream, null, mine);
        mine.Dispose();
    }

    public bool TryOpenGetStream() => Interlocked.CompareExchange(ref _getStreamOpen, 1, 0) == 0;

    public void CloseGetStream() => Interlocked.Exchange(ref _getStreamOpen, 0);

    /// <summary>Adds a link that was opened during initialize.</summary>
    public void Adopt(UpstreamConnection connection)
    {
        var link = new Link(connection, _upstreams.GenerationOf(connection.ServerName));
        _links[connection.ServerName] = new Lazy<Task<Link>>(Task.FromResult(link));
        connection.Attach(this);
    }

    /// <summary>Servers this session has live links to.</summary>
    public IEnumerable<string> LinkedServers => _links.Keys;

    /// <summary>Gets the connection for a server, reconnecting (replaying the client's initialize) if it was lost.</summary>
    public async Task<ConnectResult> GetConnectionAsync(string server, CancellationToken cancellationToken)
    {
        var config = _upstreams.Find(server);
        if (config is null)
        {
            return ConnectResult.Fail($"Server '{server}' is not configured on this Warden.");
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var lazy = _links.GetOrAdd(server, s => new Lazy<Task<Link>>(() => OpenLinkAsync(config, CancellationToken.None)));
            Link link;
            try
            {
                link = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw;
            }

            if (link.Connection is { IsClosed: false } connection && link.Generation == _upstreams.GenerationOf(server))
            {
                return ConnectResult.Ok(connection);
            }

            _links.TryRemove(new KeyValuePair<string, Lazy<Task<Link>>>(server, lazy));
            if (link.Connection is null)
            {
                return ConnectResult.Fail(link.Error!);
            }

            await ReleaseAsync(link.Connection).ConfigureAwait(false);
        }

        return ConnectResult.Fail($"Upstream server '{server}' keeps closing the connection.");
    }

    private async Task<Link> OpenLinkAsync(ServerConfig config, CancellationToken cancellationToken)
    {
        string? resume = null;
        Ticket.UpstreamSessions?.TryGetValue(config.Name, out resume);
        // The caller's credential is opened once per link; the era probe carries it too (a server that wants one
        // answers nothing useful without it).
        var (effective, refused) = await _upstreams.WithCredentialAsync(config, Caller, cancellationToken).ConfigureAwait(false);
        if (effective is null)
        {
            return new Link(null, 0, refused);
        }

        if (Stateless && await _upstreams.IsModernAsync(effective, cancellationToken).ConfigureAwait(false))
        {
            var modern = await _upstreams.ConnectModernResolvedAsync(effective, Caller, cancellationToken).ConfigureAwait(false);
            if (modern.Connection is { } shared)
            {
                shared.Attach(this);
                return new Link(shared, _upstreams.GenerationOf(config.Name));
            }

            return new Link(null, 0, modern.Error);
        }

        var result = await _upstreams.ConnectResolvedAsync(effective, Caller, ClientInitialize, resume, cancellationToken).ConfigureAwait(false);
        if (result.Connection is null && resume is not null)
        {
            result = await _upstreams.ConnectResolvedAsync(effective, Caller, ClientInitialize, null, cancellationToken).ConfigureAwait(false);
        }

        if (result.Connection is { } connection)
        {
            connection.Attach(this);
            return new Link(connection, _upstreams.GenerationOf(config.Name));
        }

        return new Link(null, 0, result.Error);
    }

    /// <summary>Sends a client request to an upstream and returns its response (with the client's id).</summary>
    public async Task<JsonRpcMessageWithId> ForwardAsync(UpstreamConnection connection, Exchange exchange, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        exchange.Server = connection.ServerName;
        _inFlight[exchange.ClientId] = (exchange, connection);
        try
        {
            return Reverse(connection)
                ? await ForwardReverseAsync(connection, exchange, request, cancellationToken).ConfigureAwait(false)
                : await connection.SendRequestAsync(request, this, exchange, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(exchange.ClientId, out _);
        }
    }

    /// <summary>The client cancelled one of its requests.</summary>
    public async Task CancelAsync(RequestId clientId, string? reason)
    {
        if (_inFlight.TryGetValue(clientId, out var entry) && entry.Connection is { } connection)
        {
            entry.Exchange.MarkCancelled();
            await connection.CancelAsync(entry.Exchange, reason).ConfigureAwait(false);
        }
    }

    /// <summary>The client answered a server-to-client request; route the answer to the upstream that asked.</summary>
    public async Task<bool> AnswerAsync(JsonRpcMessageWithId answer)
    {
        if (answer.Id.Id is long local && TryAnswerLocal(local, answer))
        {
            return true;
        }

        if (answer.Id.Id is long id && _serverRequests.TryRemove(id, out var target))
        {
            answer.Id = target.UpstreamId;
            await target.Connection.SendAsync(answer).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    /// <summary>Forwards a client notification to every linked upstream.</summary>
    public async Task BroadcastAsync(JsonRpcNotification notification)
    {
        foreach (var lazy in _links.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Connection is { IsClosed: false } connection)
            {
                await connection.SendAsync(new JsonRpcNotification { Method = notification.Method, Params = notification.Params?.DeepClone() }).ConfigureAwait(false);
            }
        }
    }

    public void OnUpstreamNotification(UpstreamConnection connection, JsonRpcNotification notification, object? relatedTag)
    {
        if (relatedTag is UpstreamListen.ListenStream stream)
        {
            // From a stateless upstream's listen stream. The acknowledgement and subscription id are between
            // Warden and the upstream; a stream already replaced (the subscribed set changed) is not listened to.
            if (!stream.Owner.IsCurrent(stream))
            {
                return;
            }

            if (notification.Method == "notifications/subscriptions/acknowledged")
            {
                stream.Acknowledge();
                return;
            }

            ((notification.Params as JsonObject)?["_meta"] as JsonObject)?.Remove("io.modelcontextprotocol/subscriptionId");
            Deliver(connection, notification, null);
            return;
        }

        if (notification.Method == NotificationMethods.CancelledNotification)
        {
            // The upstream withdrew a request it sent to the client: translate the id it used.
            if (notification.Params is JsonObject p && p["requestId"] is JsonValue v)
            {
                var upstreamId = v.TryGetValue<long>(out var n) ? new RequestId(n) : new RequestId(v.ToString());
                var match = _serverRequests.FirstOrDefault(e => e.Value.Connection == connection && e.Value.UpstreamId == upstreamId);
                if (match.Value.Connection is null)
                {
                    return;
                }

                _serverRequests.TryRemove(match.Key, out _);
                p["requestId"] = match.Key;
            }
        }
        else if (IsAggregate && notification.Method == "notifications/message" && notification.Params is JsonObject log)
        {
            var logger = log["logger"]?.GetValue<string>();
            log["logger"] = logger is null ? connection.ServerName : $"{connection.ServerName}/{logger}";
        }

        Deliver(connection, notification, relatedTag);
    }

    public void OnUpstreamRequest(UpstreamConnection connection, JsonRpcRequest request, object? relatedTag)
    {
        var id = Interlocked.Increment(ref _nextServerRequestId);
        _serverRequests[id] = (connection, request.Id);
        request.Id = new RequestId(id);
        Deliver(connection, request, relatedTag);
    }

    public void OnUpstreamClosed(UpstreamConnection connection, string reason)
    {
        foreach (var (key, target) in _serverRequests)
        {
            if (target.Connection == connection)
            {
                _serverRequests.TryRemove(key, out _);
            }
        }

        if (!connection.Shared)
        {
            _ = _upstreams.DisposeConnectionAsync(connection);
        }
    }

    // A message the upstream sent on its own goes on the stream of the request it belongs to when that
    // request is still open, else on the GET stream (buffered until the client opens one). Change
    // notifications belong to no request: they always take the GET (or subscriptions/listen) stream.
    private void Deliver(UpstreamConnection connection, JsonRpcMessage message, object? relatedTag)
    {
        if (message is JsonRpcNotification { Method: NotificationMethods.ToolListChangedNotification or NotificationMethods.PromptListChangedNotification } changed)
        {
            // Annotations such as readOnlyHint decide access: a changed list is read afresh before the next call.
            ForgetCatalog(connection.ServerName, changed.Method == NotificationMethods.ToolListChangedNotification ? RequestMethods.ToolsList : RequestMethods.PromptsList);
        }

        if (relatedTag is Exchange related && related.TryRelay(message))
        {
            return;
        }

        if (message is JsonRpcNotification { Method: NotificationMethods.ToolListChangedNotification or NotificationMethods.PromptListChangedNotification
            or NotificationMethods.ResourceListChangedNotification or NotificationMethods.ResourceUpdatedNotification })
        {
            _getLog.Append(message);
            return;
        }

        foreach (var (exchange, conn) in _inFlight.Values)
        {
            if (conn == connection && exchange.TryRelay(message))
            {
                return;
            }
        }

        _getLog.Append(message);
    }

    private async Task ReleaseAsync(UpstreamConnection connection)
    {
        connection.Detach(this);
        if (connection.Shared)
        {
            return;
        }

        var open = !connection.IsClosed;
        await _upstreams.DisposeConnectionAsync(connection).ConfigureAwait(false);

        // An upstream session stays open while the ticket names it, for whichever replica resumes it. One it
        // does not name (opened after initialize) can never be resumed, so letting go of its link ends it.
        if (open && connection.UpstreamSessionId is { } sessionId && (_ending || !Resumable(connection.ServerName, sessionId)))
        {
            await _upstreams.EndSessionAsync(connection.Server, sessionId, RequestFields.String(connection.InitializeResult?["protocolVersion"])).ConfigureAwait(false);
        }
    }

    private bool Resumable(string server, string sessionId) =>
        Ticket.UpstreamSessions is { } sessions && sessions.TryGetValue(server, out var named) && named == sessionId;

    /// <summary>Closes links idle for longer than their server's idle timeout (stdio processes stop; they restart on demand).</summary>
    public async Task CloseIdleLinksAsync(DateTimeOffset now)
    {
        await ReleaseRetiredAsync().ConfigureAwait(false);
        foreach (var (server, lazy) in _links)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Connection is { } connection
                && connection.PendingCount == 0 && now - connection.LastActivity > connection.Server.IdleTimeout
                && _links.TryRemove(new KeyValuePair<string, Lazy<Task<Link>>>(server, lazy)))
            {
                await ReleaseAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Drops links to servers whose configuration changed.</summary>
    public async Task ResetLinksAsync(IReadOnlySet<string> servers)
    {
        foreach (var server in servers)
        {
            if (_links.TryRemove(server, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Connection is { } connection)
            {
                await ReleaseAsync(connection).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Ends the session for good (the client sent DELETE, or it outlived sessions.maxLifetime): lets go of
    /// the links and asks each HTTP upstream to end its session. <see cref="DisposeAsync"/> only frees this
    /// replica's copy, since the sealed ticket stays valid and any replica may resume those upstream sessions.
    /// </summary>
    public async Task EndAsync()
    {
        _ending = true;
        var linked = LiveLinks().Where(c => !c.IsClosed).Select(c => c.ServerName).ToHashSet(StringComparer.Ordinal);
        await DisposeAsync().ConfigureAwait(false);

        // The ticket also names upstream sessions this replica holds no open link to (they were opened, or
        // last used, on another replica).
        var unlinked = (Ticket.UpstreamSessions ?? [])
            .Where(e => !linked.Contains(e.Key))
            .Select(e => (Server: _upstreams.Find(e.Key), SessionId: e.Value))
            .Where(e => e.Server is not null);
        await Task.WhenAll(unlinked.Select(e => _upstreams.EndSessionAsync(e.Server!, e.SessionId, null))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        StopListening();
        _getLog.Complete(Time.GetUtcNow());
        foreach (var log in _requestLogs.Values)
        {
            log.Complete(Time.GetUtcNow());
        }

        var connections = LiveLinks().ToList();
        _links.Clear();
        await Task.WhenAll(connections.Select(ReleaseAsync)).ConfigureAwait(false);
        await ReleaseHeldAsync().ConfigureAwait(false);
    }

    private IEnumerable<UpstreamConnection> LiveLinks() =>
        _links.Values.Where(lazy => lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.Connection is not null)
            .Select(lazy => lazy.Value.Result.Connection!);

    /// <summary>
    /// The audit redactor for this session's records: <paramref name="configured"/> plus the exact upstream credentials
    /// Warden injected into this session's connections, so an upstream that echoes one cannot put it in the log.
    /// </summary>
    public SecretRedactor RedactorFor(SecretRedactor configured)
    {
        var secrets = _links.Values
            .Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully)
            .Select(l => l.Value.Result.Connection?.InjectedSecret)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        if (secrets.Count == 0)
        {
            return configured;
        }

        var key = string.Join('\0', secrets);
        if (_redactor is { } cached && ReferenceEquals(cached.Base, configured) && cached.Key == key)
        {
            return cached.Redactor;
        }

        var redactor = configured.WithLiterals("upstream-credential", secrets);
        _redactor = new RedactorCache(configured, key, redactor);
        return redactor;
    }

    private volatile RedactorCache? _redactor;

    private sealed record RedactorCache(SecretRedactor Base, string Key, SecretRedactor Redactor);

    private sealed record Link(UpstreamConnection? Connection, int Generation, string? Error = null);
}
