using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;

namespace Warden.Storage.Sqlite;

// The data lifecycle as readers see it: legal holds and everything the log holds about one data subject.
public sealed partial class SqliteAuditReader
{
    /// <summary>The field path a subject hold's sealed subject id is bound to (with the hold id as the "record id").</summary>
    internal const string HoldLabelField = "hold.subject";

    /// <summary>The legal holds, oldest first; subject holds name the subject when <paramref name="keys"/> can open it.</summary>
    public async Task<IReadOnlyList<AuditHold>> HoldsAsync(ISubjectKeyStore? keys, bool includeReleased, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadHoldsAsync(connection, null, keys, includeReleased, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The records that name <paramref name="pseudonym"/> (as the acting subject or the one acted for), in seq order,
    /// as stored; pruned records are left out (nothing about anyone is left in them).
    /// </summary>
    public async IAsyncEnumerable<AuditRecord> SubjectRecordsAsync(string pseudonym, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // A pseudonym is 128 random bits: where its text occurs, the record is about that subject.
        command.CommandText = "SELECT seq, record FROM audit_records WHERE source <> $pruned AND instr(CAST(record AS TEXT), $pseudonym) > 0 ORDER BY seq";
        command.Parameters.AddWithValue("$pruned", SqliteAuditSchema.PrunedSource);
        command.Parameters.AddWithValue("$pseudonym", pseudonym);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Decode(reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
    }

    internal static async Task<List<AuditHold>> ReadHoldsAsync(SqliteConnection connection, SqliteTransaction? transaction, ISubjectKeyStore? keys, bool includeReleased, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, kind, target, label, reason, created, created_by, released, released_by FROM audit_holds"
            + (includeReleased ? "" : " WHERE released IS NULL") + " ORDER BY created, id";
        var rows = new List<(string Id, AuditHoldKind Kind, string Target, byte[]? Label, string Reason, string Created, string By, string? Released, string? ReleasedBy)>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var kind = reader.GetString(1) switch
                {
                    "subject" => AuditHoldKind.Subject,
                    "server" => AuditHoldKind.Server,
                    _ => AuditHoldKind.Session,
                };
                rows.Add((reader.GetString(0), kind, reader.GetString(2), reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3), reader.GetString(4),
                    reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
        }
        catch (SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return [];
        }

        var holds = new List<AuditHold>(rows.Count);
        foreach (var row in rows)
        {
            var label = row.Target;
            if (row.Kind == AuditHoldKind.Subject && row.Label is { } sealedLabel)
            {
                var key = keys is null ? null : await keys.FindByPseudonymAsync(row.Target, cancellationToken).ConfigureAwait(false);
                label = keys is null ? AuditRecordSealer.Encrypted
                    : key is null ? AuditRecordSealer.Erased
                    : FieldCipher.Decrypt(key.Key, FieldCipher.FieldContext(row.Id, HoldLabelField), sealedLabel) is { } plain ? Encoding.UTF8.GetString(plain)
                    : AuditRecordSealer.Unreadable;
            }

            holds.Add(new AuditHold(row.Id, row.Kind, row.Target, label, row.Reason, Time(row.Created), row.By, row.Released is null ? null : Time(row.Released), row.ReleasedBy));
        }

        return holds;
    }

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
