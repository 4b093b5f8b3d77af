using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>Hourly, removes tokens and authorizations that expired or were revoked more than a day ago, so oauth.db stays small.</summary>
internal sealed partial class OAuthPruner(IServiceScopeFactory scopes, TimeProvider time, ILogger<OAuthPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var threshold = time.GetUtcNow() - TimeSpan.FromDays(1);
                await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, stoppingToken);
                await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPruneFailed(ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Pruning expired OAuth tokens failed (retried in an hour): {Error}")]
    private partial void LogPruneFailed(string error);
}
