using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;
using Warden.Storage.Sqlite;

namespace Warden.Gateway.Hosting;

/// <summary>
/// Prunes the audit log on <c>audit.retention.pruneInterval</c> (and once at start): content past retention that no
/// legal hold covers is removed, leaving tombstones and a signed prune record (see <see cref="SqliteAuditMaintenance"/>).
/// The retention rules are read from the current configuration at each run, so a reload applies at the next one.
/// </summary>
internal sealed partial class AuditPruner(IServiceProvider services, WardenState state, string databasePath, TimeProvider time, ILogger<AuditPruner> logger) : BackgroundService
{
    /// <summary>Who the prune records name as acting: Warden itself.</summary>
    public static AuditUserIdentity Actor { get; } = new() { Subject = "warden", AuthMethod = "system", Roles = [] };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The store creates the database; pruning starts once it is open.
        services.GetRequiredService<IAuditStore>();
        var keys = services.GetRequiredService<AuditKeyStore>();
        var sealer = services.GetRequiredService<AuditRecordSealer>();
        var maintenance = await SqliteAuditMaintenance.OpenAsync(databasePath, new SqliteAuditMaintenanceOptions
        {
            Origin = WardenGatewayExtensions.AuditOrigin(state.Config),
            Signer = keys.GetSigner,
            Keys = services.GetRequiredService<SqliteSubjectKeyStore>(),
            Seal = (record, cancellationToken) => sealer.SealAsync(record, state.Config.Audit.Privacy.EncryptContent, cancellationToken),
            Time = time,
        }, stoppingToken).ConfigureAwait(false);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await maintenance.PruneAsync(RetentionPolicy.From(state.Config), dryRun: false, Actor, stoppingToken).ConfigureAwait(false);
                if (!result.Pruned.IsEmpty)
                {
                    LogPruned(result.Pruned.Count, result.Pruned.ToString(), result.Held, result.CheckpointSize);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                LogPruneFailed(ex.Message);
            }

            try
            {
                await Task.Delay(state.Config.Audit.Retention.PruneInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Pruned the content of {Count} audit records past retention (seq {Ranges}); {Held} more are kept by legal holds; checkpoint signed at {CheckpointSize}")]
    private partial void LogPruned(long count, string ranges, long held, long checkpointSize);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Error, Message = "Audit pruning failed, nothing was pruned: {Reason}")]
    private partial void LogPruneFailed(string reason);
}
