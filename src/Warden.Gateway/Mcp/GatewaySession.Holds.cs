using System.Collections.Concurrent;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Mcp;

// A 2025 upstream's requests to its client name no client request: Warden gives each to the request it last
// sent on that link. A stateless request that waits for the client (input_required) keeps its upstream call
// open, and the upstream may still ask more for it: the SDK sends one round's asks together, and the later ones
// can arrive after Warden answered the client with the first. Were the caller's next request sent on the same
// link, those asks would be taken for the next request's. So a request that parks holds its link: the context
// lets go of it, and the caller's next request opens (or finds) another.
internal sealed partial class GatewaySession
{
    // Each held link of a stdio server is a process: a caller that leaves many calls waiting must not start
    // without bound. Past this many, a parked request shares its link again, as before holds existed.
    private const int MaxHeldLinks = 8;
    private readonly ConcurrentDictionary<Exchange, Link> _held = new();
    private readonly ConcurrentDictionary<UpstreamConnection, byte> _retired = new();

    /// <summary>Keeps the link of a stateless request that waits for the client's input for that request alone.</summary>
    public void HoldForInput(Exchange exchange)
    {
        if (!Stateless || _held.ContainsKey(exchange) || exchange.Server is not { } server
            || !_inFlight.TryGetValue(exchange.ClientId, out var entry) || entry.Connection is not { Modern: false, Shared: false } connection)
        {
            return;
        }

        if (_held.Values.Select(l => l.Connection).Distinct().Count() >= MaxHeldLinks && !_held.Values.Any(l => l.Connection == connection))
        {
            return;
        }

        if (_links.TryGetValue(server, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully
            && lazy.Value.Result is { } link && link.Connection == connection
            && _links.TryRemove(new KeyValuePair<string, Lazy<Task<Link>>>(server, lazy)))
        {
            _held[exchange] = link;
            return;
        }

        // Another parked request holds it already (both were open on it when that one parked).
        if (_held.Values.FirstOrDefault(l => l.Connection == connection) is { } shared)
        {
            _held[exchange] = shared;
        }
    }

    /// <summary>
    /// The request is over: its link serves the context again when the context has none for that server, and is
    /// closed otherwise, once nothing else runs on it.
    /// </summary>
    public async Task ReleaseHoldAsync(Exchange exchange)
    {
        if (!_held.TryRemove(exchange, out var link) || _held.Values.Any(l => l.Connection == link.Connection))
        {
            return;
        }

        var connection = link.Connection!;
        if (!connection.IsClosed && link.Generation == _upstreams.GenerationOf(connection.ServerName)
            && _links.TryAdd(connection.ServerName, new Lazy<Task<Link>>(Task.FromResult(link))))
        {
            return;
        }

        _retired[connection] = 0;
        await ReleaseRetiredAsync().ConfigureAwait(false);
    }

    // Links let go of while other requests still ran on them close when the last of those is answered.
    private async Task ReleaseRetiredAsync(bool all = false)
    {
        foreach (var connection in _retired.Keys)
        {
            if ((all || connection.PendingCount == 0) && _retired.TryRemove(connection, out _))
            {
                await ReleaseAsync(connection).ConfigureAwait(false);
            }
        }
    }

    private async Task ReleaseHeldAsync()
    {
        foreach (var connection in _held.Values.Select(l => l.Connection!).Distinct().ToList())
        {
            _retired[connection] = 0;
        }

        _held.Clear();
        await ReleaseRetiredAsync(all: true).ConfigureAwait(false);
    }
}
