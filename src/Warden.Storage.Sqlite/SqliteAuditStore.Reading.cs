using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

// Reading the log: each read opens its own connection, so reads run beside the writer (WAL).
public sealed partial class SqliteAuditStore
{
    public async IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, record FROM audit_records WHERE seq >= $from ORDER BY seq";
        command.Parameters.AddWithValue("$from", fromSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Decode(reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
    }

    public async Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, record FROM audit_records WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Decode(reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    public async Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT note FROM audit_checkpoints ORDER BY tree_size";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var notes = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_records";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // A row whose record does not decode is still handed to the verifier (as a record that cannot hash right),
    // so a damaged row is reported as the first broken record rather than aborting the read.
    private static AuditRecord Decode(long seq, byte[] json)
    {
        try
        {
            return AuditRecordDecoder.Decode(json);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or OverflowException)
        {
            return new AuditRecord
            {
                Seq = seq,
                Id = $"undecodable-{seq}",
                Timestamp = DateTimeOffset.UnixEpoch,
                Source = AuditSource.Admin,
                Input = new AuditInput { Method = $"(stored record does not decode: {ex.Message})" },
                User = new AuditUserIdentity { Subject = "?", AuthMethod = "?" },
                Decision = new AuditDecision { Effect = AuditEffect.Deny },
                Hash = "undecodable",
            };
        }
    }

    private sealed class LeafSource(SqliteAuditStore store) : ILeafHashSource
    {
        public async ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken)
        {
            await using var connection = await OpenConnectionAsync(store._connectionString, cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT seq, leaf_hash FROM audit_records WHERE seq > $start AND seq <= $end ORDER BY seq";
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$end", start + count);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var read = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetInt64(0) != start + read + 1)
                {
                    throw new InvalidOperationException($"The audit log has a gap before seq {reader.GetInt64(0)}; run 'warden audit verify'.");
                }

                ((byte[])reader.GetValue(1)).CopyTo(destination.Span.Slice(read * MerkleHash.Size, MerkleHash.Size));
                read++;
            }

            if (read != count)
            {
                throw new InvalidOperationException($"The audit log holds fewer than {start + count} records; run 'warden audit verify'.");
            }
        }
    }
}
