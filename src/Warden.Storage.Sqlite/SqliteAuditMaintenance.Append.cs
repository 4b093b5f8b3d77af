using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

public sealed partial class SqliteAuditMaintenance
{
    /// <summary>
    /// Appends one record made outside the gateway (an API key created or revoked with the CLI) at the end of the log,
    /// sealed as the store seals every record, and signs a checkpoint over it; returns the record as placed.
    /// </summary>
    public async Task<AuditRecord> AppendRecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (tail, sealedRecord) = await PrepareAsync(connection, record, cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction();
        var (placed, _) = await AppendAsync(connection, transaction, tail, sealedRecord, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return placed;
    }
}
