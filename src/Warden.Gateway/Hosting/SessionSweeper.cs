using Microsoft.Extensions.Hosting;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Hosting;

/// <summary>Periodically frees idle sessions and stops idle upstream processes.</summary>
internal sealed class SessionSweeper(SessionStore sessions, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await sessions.SweepAsync().ConfigureAwait(false);
        }
    }
}
