using Microsoft.Extensions.Hosting;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Hosting;

/// <summary>Loads the configured servers at start and stops every child process when Warden stops.</summary>
internal sealed class UpstreamLifetime(WardenState state, UpstreamRegistry upstreams, SessionStore sessions) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => upstreams.ApplyAsync(state.Config.Servers);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await sessions.DisposeAsync().ConfigureAwait(false);
        await upstreams.DisposeAsync().ConfigureAwait(false);
    }
}
