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

    /// <summary>
    /// The context stateless (2026-07-28) requests of one caller on one endpoint run in. Clients never see
    /// it; it keeps the upstream links between requests and is freed when idle like any session. Links to
    /// 2025 upstreams are opened with Warden's own initialize, declaring the client capabilities the bridge
    /// relays as input_required rounds (sampling, elicitation, roots) exactly as the request declared them,
    /// so there is one context per distinct set.
    /// </summary>
    public GatewaySession ContextFor(string route, Caller caller, JsonObject? clientCapabilities)
    {
        var bridged = new JsonObject();
        foreach (var name in BridgedCapabilities)
        {
            if (clientCapabilities?[name] is JsonObject declared)
            {
                bridged[name] = declared.DeepClone();
            }
        }

        var signature = bridged.ToJsonString();
        var key = "\0" + caller.Subject + "\0" + route + "\0" + signature;
        if (_sessions.TryGetValue(key, out var existing) && !Expired(existing.Ticket))
        {
            existing.Touch();
            return existing;
        }

        var ticket = new SessionTicket
        {
            Id = "stateless",
            Route = route,
            Subject = caller.Subject,
            ProtocolVersion = ProtocolVersions.Stateless,
            ClientInitialize = new JsonObject
            {
                ["protocolVersion"] = ProtocolVersions.Latest,
                ["capabilities"] = bridged,
                ["clientInfo"] = new JsonObject { ["name"] = "warden", ["title"] = "Warden MCP gateway (2026-07-28 bridge)", ["version"] = WardenInfo.Version },
            }.ToJsonString(),
            IssuedAtUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds(),
        };
        var created = new GatewaySession(key, ticket, caller, _upstreams, _time) { Stateless = true };
        GatewaySession? replaced = null;
        var session = _sessions.AddOrUpdate(key, created, (_, current) =>
        {
            if (!Expired(current.Ticket))
            {
                return current;
            }

            replaced = current;
            return created;
        });
        if (session != created)
        {
            _ = created.DisposeAsync().AsTask();
        }
        else if (replaced is not null)
        {
            _ = replaced.DisposeAsync().AsTask();
        }

        session.Touch();
        return session;
    }

    private static readonly string[] BridgedCapabilities = ["elicitation", "roots", "sampling"];

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

    /// <summary>
    /// Ends a session the client closed (DELETE): this replica refuses its id from now on, and the
    /// upstreams are asked to end their sessions too.
    /// </summary>
    public async Task EndAsync(GatewaySession session)
    {
        _ended[session.Id] = _time.GetUtcNow();
        // Ended even if a sweep freed it meanwhile: the upstream sessions in its ticket are still open.
        _sessions.TryRemove(session.Id, out _);
        await session.EndAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Frees sessions idle past the idle timeout and links idle past their server's timeout. Freeing is
    /// local: the session id stays valid, so its upstream sessions are kept for whichever replica resumes
    /// it. A session past sessions.maxLifetime can never be resumed, so its upstream sessions are ended.
    /// </summary>
    public async Task SweepAsync()
    {
        var now = _time.GetUtcNow();
        var config = _config();
        foreach (var session in _sessions.Values)
        {
            if (Expired(session.Ticket))
            {
                if (_sessions.TryRemove(session.Id, out _))
                {
                    await session.EndAsync().ConfigureAwait(false);
                }
            }
            else if (now - session.LastActivity > config.IdleTimeout)
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
        // In parallel: freeing a session may wait (briefly) for upstreams to end sessions no replica can resume.
        await Task.WhenAll(_sessions.Values.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        _sessions.Clear();
    }
}
