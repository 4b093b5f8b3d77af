using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>
/// Reads an audit log in a SQLite file: records, checkpoints and Merkle leaves. Each read opens its own
/// connection, so reads run beside a writer (WAL). <see cref="OpenReadOnly"/> gives a reader that cannot write
/// to the file at all, for verifying a log that Warden may be appending to.
/// </summary>
public sealed partial class SqliteAuditReader
{
    private readonly string _connectionString;
    private readonly string _indexPath;

    internal SqliteAuditReader(string connectionString, string indexPath)
    {
        _connectionString = connectionString;
        _indexPath = indexPath;
        LeafHashes = new LeafSource(this);
    }

    /// <summary>A reader over an existing log that opens the file read-only; it never creates, migrates or writes it.</summary>
    public static SqliteAuditReader OpenReadOnly(string databasePath) => OpenReadOnly(databasePath, SqliteAuditIndex.PathFor(databasePath));

    /// <summary>A read-only reader that takes its query index from <paramref name="indexPath"/> (tests).</summary>
    internal static SqliteAuditReader OpenReadOnly(string databasePath, string indexPath)
    {
        if (!File.Exists(databasePath))
        {
            throw new FileNotFoundException($"There is no audit log at '{databasePath}'.", databasePath);
        }

        return new SqliteAuditReader(
            new SqliteConnectionStringBuilder
            {
                DataSource = databasePath,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
                DefaultTimeout = 5,
            }.ToString(),
            indexPath);
    }

    /// <summary>The Merkle leaf hashes as stored (leaf i is seq i + 1), for building proofs.</summary>
    public ILeafHashSource LeafHashes { get; }

    /// <summary>Records from <paramref name="fromSeq"/> on, in seq order, as stored.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, record FROM audit_records WHERE seq >= $from ORDER BY seq";
        command.Parameters.AddWithValue("$from", fromSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return Decode(reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
    }

    /// <summary>The stored canonical bytes of every record from <paramref name="fromSeq"/> on, in seq order (what <see cref="AuditVerifier.VerifyStoredAsync"/> reads).</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadEncodedAsync(long fromSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in ReadStoredAsync(null, fromSeq, long.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            yield return stored.Json;
        }
    }

    /// <summary>One record by id, or null.</summary>
    public async Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, record FROM audit_records WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Decode(reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    /// <summary>The signed checkpoints, smallest tree first.</summary>
    public async Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>How many records the log holds.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_records";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // Only a busy timeout: journal mode is a property of the file (set by the store), and a read-only
    // connection must not try to change it.
    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenConnectionAsync(_connectionString, cancellationToken);

    /// <summary>A connection for reading the log (the query indexer's too): opened as the string says, with a busy timeout.</summary>
    internal static async Task<SqliteConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=5000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Decodes a stored row. A row whose record does not decode is still handed on (as a record that cannot hash
    /// right), so a damaged row is reported as the first broken record rather than aborting the read.
    /// </summary>
    public static AuditRecord Decode(long seq, byte[] json)
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

    private sealed class LeafSource(SqliteAuditReader owner) : ILeafHashSource
    {
        public async ValueTask GetLeafHashesAsync(long start, int count, Memory<byte> destination, CancellationToken cancellationToken)
        {
            await using var connection = await owner.OpenAsync(cancellationToken).ConfigureAwait(false);
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

                var leaf = (byte[])reader.GetValue(1);
                if (leaf.Length != MerkleHash.Size)
                {
                    throw new InvalidOperationException($"The stored leaf hash of seq {reader.GetInt64(0)} is not {MerkleHash.Size} bytes; run 'warden audit verify'.");
                }

                leaf.CopyTo(destination.Span.Slice(read * MerkleHash.Size, MerkleHash.Size));
                read++;
            }

            if (read != count)
            {
                throw new InvalidOperationException($"The audit log holds fewer than {start + count} records; run 'warden audit verify'.");
            }
        }
    }
}
