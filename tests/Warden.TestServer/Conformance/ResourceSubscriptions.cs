using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Warden.TestServer.Conformance;

/// <summary>
/// Which sessions subscribed to which resource URIs, so <c>update_resource</c> can send
/// notifications/resources/updated to exactly the subscribers (Warden tests check it routes them back):
/// sessions that sent resources/subscribe, and stateless listen streams that named the URI.
/// </summary>
public sealed class ResourceSubscriptions(ListenStreams listens)
{
    // Keyed weakly on the session's server object so a closed session's subscriptions vanish with it,
    // and a stdio session (which has no session id) works the same as an HTTP one.
    private readonly ConditionalWeakTable<McpServer, ConcurrentDictionary<string, byte>> _bySession = new();
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);

    public void Subscribe(McpServer session, string uri) => _bySession.GetOrCreateValue(session).TryAdd(uri, 0);

    public void Unsubscribe(McpServer session, string uri)
    {
        if (_bySession.TryGetValue(session, out var uris))
        {
            uris.TryRemove(uri, out _);
        }
    }

    public int Version(string uri) => _versions.GetValueOrDefault(uri);

    /// <summary>Bumps the resource's version and notifies every subscribed session and listen stream; returns how many.</summary>
    public async Task<int> UpdateAsync(string uri, CancellationToken cancellationToken)
    {
        _versions.AddOrUpdate(uri, 1, (_, v) => v + 1);
        var notified = await listens.ResourceUpdatedAsync(uri, cancellationToken);
        foreach (var (session, uris) in _bySession)
        {
            if (!uris.ContainsKey(uri))
            {
                continue;
            }

            try
            {
                await session.SendNotificationAsync(
                    NotificationMethods.ResourceUpdatedNotification,
                    new ResourceUpdatedNotificationParams { Uri = uri },
                    cancellationToken: cancellationToken);
                notified++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A subscriber whose session has gone away is not this caller's problem.
            }
        }

        return notified;
    }
}
