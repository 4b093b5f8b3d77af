using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Core.Sessions;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

/// <summary>
/// The sessions this replica is serving. A session id is a sealed <see cref="SessionTicket"/>; a replica
/// that has never seen it opens the ticket and rebuilds the session, so no store is shared between replicas.
/// </summary>
internal sealed class SessionStore : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _ended = new(StringComparer.Ordinal);
    private readonly SessionSealer _sealer;
    private readonly UpstreamRegistry _upstreams;
    private readonly TimeProvider _time;
    private readonly Func<SessionConfig> _config;

    public SessionStore(SessionSealer sealer, UpstreamRegistry upstreams, TimeProvider time, Func<SessionConfig> config)
    {
        _sealer = sealer;
        _upstreams = upstreams;
        _time = time;
        _config = config;
        _upstreams.ServersChanged += servers =>
        {
            foreach (var session in _sessions.Values)
            {
                _ = session.ResetLinksAsync(servers);
            }
        };
    }

    public int Count => _sessions.Count;

    public GatewaySession Create(string route, Caller caller, JsonObject? clientInitialize, string protocolVersion, IEnumerable<UpstreamConnection> connections)
    {
        var list = connections.ToList();
        var upstreamSessions = list.Where(c => !c.Shared && c.UpstreamSessionId is not null).ToDictionary(c => c.ServerName, c => c.UpstreamSessionId!, StringComparer.Ordinal);
        var ticket = new SessionTicket
        {
            Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
            Route = route,
            Subject = caller.Subject,
            ProtocolVersion = protocolVersion,
            ClientInitialize = clientInitialize?.ToJsonString(),
            UpstreamSessions = upstreamSessions.Count > 0 ? upstreamSessions : null,
            IssuedAtUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds(),
        };
        var id = _sealer.Seal(ticket);
        var session = new GatewaySession(id, ticket, caller, _upstreams, _time);
        foreach (var connection in list)
        {
            session.Adopt(connection);
        }

        _sessions[id] = session;
        return session;
    }

    /// <summary>Finds a session for a request, rebuilding it from its ticket if this replica does not hold it.</summary>
    public GatewaySession? Resolve(string sessionId, string route, Caller caller)
    {
        if (_sessions.TryGetValue(sessionId, out var session))
        {
            if (!Serves(session.Ticket, route, caller))
            {
                return null;
            }

            session.Touch();
            return session;
        }

        if (_ended.ContainsKey(sessionId) || _sealer.Open(sessionId) is not { } ticket || !Serves(ticket, route, caller))
        {
            return null;
        }

        return _sessions.GetOrAdd(sessionId, id => new GatewaySession(id, ticket, caller, _upstreams, _time));
    }

    // A session is bound to its endpoint and caller, and lives at most sessions.maxLifetime.
    private bool Serves(SessionTicket ticket, string route, Caller caller) =>
        ticket.Route == route && ticket.Subject == caller.Subject && !Expired(ticket);

    public async Task EndAsync(GatewaySession session)
    {
        _ended[session.Id] = _time.GetUtcNow();
        if (_sessions.TryRemove(session.Id, out _))
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Frees sessions idle past the idle timeout and links idle past their server's timeout.</summary>
    public async Task SweepAsync()
    {
        var now = _time.GetUtcNow();
        var config = _config();
        foreach (var session in _sessions.Values)
        {
            if (now - session.LastActivity > config.IdleTimeout || Expired(session.Ticket))
            {
                if (_sessions.TryRemove(session.Id, out _))
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }
            else
            {
                await session.CloseIdleLinksAsync(now).ConfigureAwait(false);
            }
        }

        foreach (var (id, at) in _ended)
        {
            if (now - at > config.MaxLifetime)
            {
                _ended.TryRemove(id, out _);
            }
        }
    }

    private bool Expired(SessionTicket ticket) =>
        _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(ticket.IssuedAtUnixSeconds) > _config().MaxLifetime;

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _sessions.Clear();
    }
}
