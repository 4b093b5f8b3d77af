using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;

namespace Warden.Storage.Sqlite;

public sealed partial class SqliteAuditMaintenance
{
    /// <summary>
    /// Places a legal hold on a subject, a server glob or a session, recording it in the log. A subject is held by
    /// pseudonym (their key is made if they have none); the subject id itself is kept sealed under their key.
    /// </summary>
    public async Task<AuditHold> AddHoldAsync(AuditHoldKind kind, string target, string reason, AuditUserIdentity actor, CancellationToken cancellationToken)
    {
        var id = "hold-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var stored = target;
        byte[]? label = null;
        if (kind == AuditHoldKind.Subject)
        {
            var key = await _options.Keys.GetOrCreateAsync(target, cancellationToken).ConfigureAwait(false);
            stored = key.Pseudonym;
            label = FieldCipher.Encrypt(key.Key, FieldCipher.FieldContext(id, SqliteAuditReader.HoldLabelField), Encoding.UTF8.GetBytes(target));
        }

        var record = LifecycleRecord(AuditLifecycle.HoldAdd,
            new JsonObject { ["hold_id"] = id, ["kind"] = AuditHold.Name(kind), ["target"] = stored, ["reason"] = reason },
            [new AuditResource { Kind = AuditLifecycle.LegalHoldKind, Value = id, Attributes = new Dictionary<string, string> { ["action"] = "placed" } }],
            actor, "legal hold placed: covered records are not pruned, a covered subject cannot be erased");

        var now = _options.Time.GetUtcNow();
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (tail, sealedRecord) = await PrepareAsync(connection, record, cancellationToken).ConfigureAwait(false);
        await using (var transaction = connection.BeginTransaction())
        {
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO audit_holds (id, kind, target, label, reason, created, created_by)
                    VALUES ($id, $kind, $target, $label, $reason, $created, $by)
                    """;
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$kind", AuditHold.Name(kind));
                insert.Parameters.AddWithValue("$target", stored);
                insert.Parameters.AddWithValue("$label", (object?)label ?? DBNull.Value);
                insert.Parameters.AddWithValue("$reason", reason);
                insert.Parameters.AddWithValue("$created", AuditRecordEncoder.FormatTimestamp(now));
                insert.Parameters.AddWithValue("$by", Operator(actor));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await AppendAsync(connection, transaction, tail, sealedRecord, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new AuditHold(id, kind, stored, target, reason, now, Operator(actor), null, null);
    }

    /// <summary>Releases an active hold, recording it in the log; null when no active hold has that id.</summary>
    public async Task<AuditHold?> ReleaseHoldAsync(string id, string? reason, AuditUserIdentity actor, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject { ["hold_id"] = id };
        if (reason is not null)
        {
            arguments["reason"] = reason;
        }

        var record = LifecycleRecord(AuditLifecycle.HoldRelease, arguments,
            [new AuditResource { Kind = AuditLifecycle.LegalHoldKind, Value = id, Attributes = new Dictionary<string, string> { ["action"] = "released" } }],
            actor, "legal hold released");
        var now = _options.Time.GetUtcNow();
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var (tail, sealedRecord) = await PrepareAsync(connection, record, cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction();
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE audit_holds SET released = $at, released_by = $by WHERE id = $id AND released IS NULL";
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$at", AuditRecordEncoder.FormatTimestamp(now));
            update.Parameters.AddWithValue("$by", Operator(actor));
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }
        }

        await AppendAsync(connection, transaction, tail, sealedRecord, cancellationToken).ConfigureAwait(false);
        var released = (await SqliteAuditReader.ReadHoldsAsync(connection, transaction, _options.Keys, includeReleased: true, cancellationToken).ConfigureAwait(false)).Single(h => h.Id == id);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return released;
    }

    // Who changed a hold, as the hold register shows it.
    private static string Operator(AuditUserIdentity actor) => $"{actor.Subject} ({actor.AuthMethod})";
}
