using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

/// <summary>
/// The end of the log as a writer needs it (last seq and hash, the compact Merkle tree, the last checkpoint's size),
/// read from the file. Every writer (the store, the CLI's maintenance commands, the pruner) catches up with it inside
/// its write transaction, so records appended by another connection are chained onto, never overwritten.
/// </summary>
internal sealed class SqliteLogTail
{
    public long Seq { get; private set; }

    public string Hash { get; private set; } = AuditRecord.GenesisPrevHash;

    public CompactMerkleTree Tree { get; private set; } = new();

    public long CheckpointSize { get; private set; }

    /// <summary>The whole tail from the file (one scan of the 32-byte leaves).</summary>
    public static async Task<SqliteLogTail> ReadAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        var tail = new SqliteLogTail();
        await tail.CatchUpAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return tail;
    }

    /// <summary>Adds the records committed after <see cref="Seq"/> and rereads the last checkpoint's size.</summary>
    public async Task CatchUpAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        (Seq, Hash) = await AppendNewerAsync(connection, transaction, Seq, Hash, Tree, cancellationToken).ConfigureAwait(false);
        CheckpointSize = await CheckpointSizeAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends the leaves of records after <paramref name="afterSeq"/> to <paramref name="tree"/>; returns the new last seq and hash.</summary>
    public static async Task<(long Seq, string Hash)> AppendNewerAsync(SqliteConnection connection, SqliteTransaction? transaction, long afterSeq, string afterHash, CompactMerkleTree tree, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT seq, hash, leaf_hash FROM audit_records WHERE seq > $after ORDER BY seq";
        command.Parameters.AddWithValue("$after", afterSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var leaf = new byte[MerkleHash.Size];
        var (seq, hash) = (afterSeq, afterHash);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt64(0) != seq + 1)
            {
                throw new InvalidOperationException($"The audit log has seq {reader.GetInt64(0)} after seq {seq}; run 'warden audit verify'.");
            }

            reader.GetBytes(2, 0, leaf, 0, leaf.Length);
            tree.Append(leaf);
            (seq, hash) = (reader.GetInt64(0), reader.GetString(1));
        }

        return (seq, hash);
    }

    public static async Task<long> CheckpointSizeAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(tree_size), 0) FROM audit_checkpoints";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
