using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Configuration;
using Warden.Gateway.Hosting;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// Appends the audit records of <c>warden keys</c> changes straight to the audit database, as <c>audit forget</c> and
/// holds do (sealed, with a signed checkpoint; safe while <c>serve</c> writes). Before the first <c>serve</c> there is no
/// log yet: it is created here the way <c>serve</c> would create it, so the first key's creation is on record too.
/// </summary>
internal static class KeyAuditLog
{
    /// <summary>Appends <paramref name="record"/>; null on success, else why it could not be recorded.</summary>
    public static async Task<string?> AppendAsync(WardenConfig config, string dataDirectory, AuditRecord record, CancellationToken cancellationToken)
    {
        var databasePath = WardenGatewayExtensions.AuditDatabasePath(config, dataDirectory);
        try
        {
            using var signing = new AuditKeyStore(dataDirectory, WardenGatewayExtensions.AuditOrigin(config), TimeProvider.System);
            if (!File.Exists(databasePath))
            {
                await using var created = await SqliteAuditStore.OpenAsync(databasePath, new SqliteAuditStoreOptions
                {
                    Origin = WardenGatewayExtensions.AuditOrigin(config),
                    Signer = signing.GetSigner,
                }, cancellationToken: cancellationToken);
            }

            using var master = AuditMasterKey.LoadOrCreate(dataDirectory);
            var (keys, maintenance) = await AuditAdmin.OpenMaintenanceAsync(config, databasePath, signing, master, cancellationToken);
            using (keys)
            {
                await maintenance.AppendRecordAsync(record, cancellationToken);
            }

            return null;
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return $"the audit log '{databasePath}' could not be written ({ex.Message})";
        }
    }
}
