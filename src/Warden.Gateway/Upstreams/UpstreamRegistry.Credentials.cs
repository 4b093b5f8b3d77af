using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;

namespace Warden.Gateway.Upstreams;

// Connections that carry a caller's credential. A server with per-user credentials gets a state of its own for each
// user: its shared stateless connection carries only that user's secret, and one user's refused token puts only that
// user's connections into restart backoff, never everyone's.
internal sealed partial class UpstreamRegistry
{
    private readonly ConcurrentDictionary<(string Server, string Subject), ServerState> _perUser = new();

    /// <summary>Connects <paramref name="caller"/> to <paramref name="server"/> with their credential (when the server has one).</summary>
    public async Task<ConnectResult> ConnectAsync(ServerConfig server, Caller caller, JsonObject? clientInitialize, string? resumeSessionId, CancellationToken cancellationToken)
    {
        var (effective, error) = await WithCredentialAsync(server, caller, cancellationToken).ConfigureAwait(false);
        return effective is null ? ConnectResult.Fail(error!) : await ConnectResolvedAsync(effective, caller, clientInitialize, resumeSessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ConnectAsync(ServerConfig, Caller, JsonObject?, string?, CancellationToken)"/> with a configuration <see cref="WithCredentialAsync"/> already made.</summary>
    public async Task<ConnectResult> ConnectResolvedAsync(ServerConfig effective, Caller caller, JsonObject? clientInitialize, string? resumeSessionId, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(effective.Name, out var state))
        {
            return ConnectResult.Fail($"Server '{effective.Name}' is not configured.");
        }

        return await ConnectAsync(StateFor(state, effective, caller), effective, clientInitialize, resumeSessionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stateless connection <paramref name="caller"/> uses: everyone's, or theirs when it carries their credential;
    /// <paramref name="effective"/> is the configuration <see cref="WithCredentialAsync"/> made.
    /// </summary>
    public async Task<ConnectResult> ConnectModernResolvedAsync(ServerConfig effective, Caller caller, CancellationToken cancellationToken)
    {
        if (!_servers.TryGetValue(effective.Name, out var state))
        {
            return ConnectResult.Fail($"Server '{effective.Name}' is not configured.");
        }

        var own = StateFor(state, effective, caller);
        return await SharedAsync(own, () => OpenModernAsync(own, effective), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The configuration <paramref name="caller"/>'s connections to <paramref name="server"/> are opened with (their secret injected), or why there is none.</summary>
    public ValueTask<(ServerConfig? Config, string? Error)> WithCredentialAsync(ServerConfig server, Caller caller, CancellationToken cancellationToken) =>
        _credentials is null || server.Credentials is null ? ValueTask.FromResult<(ServerConfig?, string?)>((server, null)) : _credentials.ApplyAsync(server, caller, cancellationToken);

    private ServerState StateFor(ServerState state, ServerConfig effective, Caller caller)
    {
        if (effective.Credentials is not { Scope: CredentialScope.PerUser })
        {
            return state;
        }

        // A rotated secret changes the configuration: the user's next connection is a new one with the new secret.
        return _perUser.AddOrUpdate((effective.Name, caller.Subject),
            _ => new ServerState(effective, state.Generation) { Modern = state.Modern, StatelessOnly = state.StatelessOnly },
            (_, existing) => existing.Config.SameConnectionAs(effective) ? existing : new ServerState(effective, state.Generation) { Modern = state.Modern, StatelessOnly = state.StatelessOnly });
    }

    private void ForgetPerUser(IReadOnlySet<string> servers)
    {
        foreach (var key in _perUser.Keys.Where(k => servers.Contains(k.Server)))
        {
            if (_perUser.TryRemove(key, out var removed) && removed.Shared is { IsCompletedSuccessfully: true } shared && shared.Result.Connection is { } connection)
            {
                _ = DisposeConnectionAsync(connection);
            }
        }
    }
}
