using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

// A 2026-07-28 upstream sends list changes and resource updates only on a subscriptions/listen stream. Warden
// holds one per session (or stateless context) and upstream, and puts what arrives on it where the session's
// own change notifications go: a 2025 session's GET stream, or a 2026 client's bridged listen stream.
internal sealed partial class GatewaySession
{
    private readonly ConcurrentDictionary<string, UpstreamListen> _listens = new(StringComparer.Ordinal);

    private UpstreamListen ListenFor(UpstreamConnection connection) =>
        _listens.GetOrAdd(connection.ServerName, _ => new UpstreamListen(this, connection));

    /// <summary>
    /// Starts the listen streams to the stateless upstreams this session is linked to (the client opened its GET
    /// stream, or a 2026 client its listen stream). The task completes once each upstream acknowledged its
    /// stream, refused it, or took longer than its timeout.
    /// </summary>
    public Task ListenToStatelessUpstreamsAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(LiveLinks().Where(c => c.Modern).Select(c => AcknowledgedAsync(c, ListenFor(c).Start(), cancellationToken)));

    /// <summary>
    /// Adds a resource to (or removes it from) the listen stream to a stateless upstream, which re-opens it;
    /// completes once the upstream acknowledged the new stream. Returns why not when the upstream refused it.
    /// </summary>
    public Task<string?> ListenForResourceAsync(UpstreamConnection connection, string uri, bool subscribe, CancellationToken cancellationToken) =>
        AcknowledgedAsync(connection, ListenFor(connection).Update(uri, subscribe), cancellationToken);

    /// <summary>Closes every listen stream to upstreams (the client's listen stream, or the session, ended).</summary>
    public void StopListening()
    {
        foreach (var listen in _listens.Values)
        {
            listen.Stop();
        }

        _listens.Clear();
    }

    // A slow acknowledgement does not fail the client's request: the stream stays open and relays once it is up.
    private static async Task<string?> AcknowledgedAsync(UpstreamConnection connection, Task<string?> acknowledged, CancellationToken cancellationToken)
    {
        try
        {
            return await acknowledged.WaitAsync(connection.Server.Timeout, connection.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// The subscriptions/listen stream to one stateless upstream: list changes, and updates of the resources
    /// subscribed to. A change to that set re-opens it; what arrives on a replaced stream is dropped.
    /// </summary>
    private sealed class UpstreamListen(GatewaySession session, UpstreamConnection connection)
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _uris = new(StringComparer.Ordinal);
        private volatile ListenStream? _current;
        private string? _refused;

        /// <summary>Opens the stream unless one is open; the task gives the acknowledgement (null) or the refusal.</summary>
        public Task<string?> Start()
        {
            lock (_gate)
            {
                return (_current ?? Restart())?.Acknowledged ?? Task.FromResult(_refused);
            }
        }

        public Task<string?> Update(string uri, bool subscribe)
        {
            lock (_gate)
            {
                var stream = (subscribe ? _uris.Add(uri) : _uris.Remove(uri)) ? Restart() : _current ?? Restart();
                return stream?.Acknowledged ?? Task.FromResult(_refused);
            }
        }

        public void Stop()
        {
            lock (_gate)
            {
                _current?.Close(null);
                _current = null;
            }
        }

        public bool IsCurrent(ListenStream stream) => _current == stream;

        private ListenStream? Restart()
        {
            var previous = _current;
            _current = null;
            if (_refused is null)
            {
                var parameters = new JsonObject
                {
                    ["notifications"] = new JsonObject
                    {
                        ["toolsListChanged"] = true,
                        ["promptsListChanged"] = true,
                        ["resourcesListChanged"] = true,
                        ["resourceSubscriptions"] = new JsonArray([.. _uris.Select(u => (JsonNode)u)]),
                    },
                };
                session.StampMeta(parameters);
                var stream = _current = new ListenStream(this);
                _ = RunAsync(new JsonRpcRequest { Id = new RequestId(0), Method = ModernHandler.ListenMethod, Params = parameters }, stream);
            }

            // Whoever waited for the replaced stream's acknowledgement now waits for its successor's.
            previous?.Close(_current?.Acknowledged);
            return _current;
        }

        private async Task RunAsync(JsonRpcRequest listen, ListenStream stream)
        {
            var response = await connection.SendRequestAsync(listen, session, stream, stream.Token).ConfigureAwait(false);
            string? refused = null;
            if (response is JsonRpcError { Error: var error } && !stream.Token.IsCancellationRequested)
            {
                refused = $"Upstream server '{connection.ServerName}' refused subscriptions/listen: {error.Message}";
                if (error.Code == JsonRpcErrors.MethodNotFound)
                {
                    _refused = refused;
                }
            }

            lock (_gate)
            {
                if (_current == stream)
                {
                    _current = null;
                }
            }

            stream.End(refused);
        }

        /// <summary>One POST of subscriptions/listen; the tag of its request, so its notifications can be told apart.</summary>
        internal sealed class ListenStream(UpstreamListen owner)
        {
            private readonly CancellationTokenSource _cancel = new();
            private readonly TaskCompletionSource<string?> _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
            private volatile bool _closed;

            public UpstreamListen Owner { get; } = owner;

            public CancellationToken Token => _cancel.Token;

            /// <summary>Null once the upstream acknowledged the stream; the reason when it refused it.</summary>
            public Task<string?> Acknowledged => _acknowledged.Task;

            public void Acknowledge() => _acknowledged.TrySetResult(null);

            // The source is never disposed: Close may come at any time, and it holds no timer.
            public void End(string? refused)
            {
                if (!_closed)
                {
                    _acknowledged.TrySetResult(refused);
                }
            }

            public void Close(Task<string?>? successor)
            {
                // Handed over before cancelling: the cancelled request ends this stream at once.
                _closed = true;
                if (successor is null)
                {
                    _acknowledged.TrySetResult(null);
                }
                else
                {
                    _ = successor.ContinueWith(t => _acknowledged.TrySetResult(t.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                _cancel.Cancel();
            }
        }
    }
}
