using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;

namespace Warden.Storage.Sqlite;

public sealed partial class SqliteAuditMaintenance
{
    /// <summary>
    /// Erases <paramref name="subject"/> by destroying their key (crypto-shredding): their records stay and verify, and
    /// their sealed fields read as erased from then on. Appends an <c>audit/forget</c> record naming the pseudonym (never
    /// the subject) in the same transaction. Refused while a legal hold covers the subject.
    /// </summary>
    public async Task<ForgetResult> ForgetAsync(string subject, string? reason, AuditUserIdentity actor, CancellationToken cancellationToken)
    {
        var key = await _options.Keys.FindAsync(subject, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return new ForgetResult(ForgetStatus.NoKey, null, [], null, 0, true);
        }

        var arguments = new JsonObject { ["pseudonym"] = key.Pseudonym };
        if (reason is not null)
        {
            arguments["reason"] = reason;
        }

        var record = LifecycleRecord(AuditLifecycle.Forget, arguments,
            [new AuditResource { Kind = AuditLifecycle.DataSubjectKind, Value = key.Pseudonym, Attributes = new Dictionary<string, string> { ["action"] = "erased" } }],
            actor, "data subject erasure: the subject's key was destroyed");

        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (tail, sealedRecord) = await PrepareAsync(connection, record, cancellationToken).ConfigureAwait(false);
        AuditRecord placed;
        long checkpointSize;
        await using (var transaction = connection.BeginTransaction())
        {
            var holds = (await SqliteAuditReader.ReadHoldsAsync(connection, transaction, null, includeReleased: false, cancellationToken).ConfigureAwait(false))
                .Where(h => h.Kind == AuditHoldKind.Subject && h.Target == key.Pseudonym).ToList();
            if (holds.Count > 0)
            {
                return new ForgetResult(ForgetStatus.Held, key.Pseudonym, holds, null, 0, true);
            }

            await using (var delete = connection.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM audit_subject_keys WHERE pseudonym = $pseudonym";
                delete.Parameters.AddWithValue("$pseudonym", key.Pseudonym);
                if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    // Erased by someone else a moment ago.
                    return new ForgetResult(ForgetStatus.NoKey, key.Pseudonym, [], null, 0, true);
                }
            }

            (placed, checkpointSize) = await AppendAsync(connection, transaction, tail, sealedRecord, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _options.Keys.Evict(subject, key.Pseudonym);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key.Key);
        var truncated = await TruncateWalAsync(connection, cancellationToken).ConfigureAwait(false);
        return new ForgetResult(ForgetStatus.Erased, key.Pseudonym, [], placed, checkpointSize, truncated);
    }
}
