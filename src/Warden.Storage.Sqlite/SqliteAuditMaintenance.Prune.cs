using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Core.Audit.Retention;

namespace Warden.Storage.Sqlite;

public sealed partial class SqliteAuditMaintenance
{
    // One transaction prunes at most this many records, so the gateway's writer never waits long for the lock.
    private const int PruneChunk = 2000;

    // A record is held when an active hold names its subject's pseudonym (anywhere in it: as the actor or the one acted
    // for), matches its server, or names its session.
    private const string HeldCondition = """
        EXISTS (SELECT 1 FROM audit_holds h WHERE h.released IS NULL AND (
          (h.kind = 'subject' AND instr(CAST(r.record AS TEXT), h.target) > 0)
          OR (h.kind = 'server' AND r.server GLOB h.target)
          OR (h.kind = 'session' AND r.session_id = h.target)))
        """;

    /// <summary>
    /// Removes the content of every record past its retention that no legal hold covers, leaving a tombstone (seq, id,
    /// timestamp, prev_hash, hash, leaf hash) in its place so the chain and the Merkle tree stay verifiable. Each chunk
    /// of records is checked against its own hashes first (pruning must not launder an edit), then tombstoned in one
    /// transaction with an <c>audit/prune</c> record listing them and a checkpoint signed over it. Lifecycle records
    /// are never pruned. With <paramref name="dryRun"/> nothing changes and the result says what would be pruned.
    /// </summary>
    public async Task<PruneResult> PruneAsync(RetentionPolicy policy, bool dryRun, AuditUserIdentity actor, CancellationToken cancellationToken)
    {
        var now = _options.Time.GetUtcNow();
        var due = new SeqRanges();
        var byRule = new Dictionary<string, long>(StringComparer.Ordinal);
        var rulesBySeq = new Dictionary<long, string>();
        var held = 0L;
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (policy.Shortest is { } shortest)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"""
                SELECT r.seq, r.server, r.ts, {HeldCondition} FROM audit_records r
                WHERE r.source <> $pruned AND r.ts < $cutoff AND NOT (r.source = 'admin' AND r.method LIKE 'audit/%')
                ORDER BY r.seq
                """;
            select.Parameters.AddWithValue("$pruned", SqliteAuditSchema.PrunedSource);
            select.Parameters.AddWithValue("$cutoff", SqliteAuditSchema.Timestamp(now - shortest));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var server = reader.IsDBNull(1) ? null : reader.GetString(1);
                var (keep, rule) = policy.For(server);
                if (keep is null || string.CompareOrdinal(reader.GetString(2), SqliteAuditSchema.Timestamp(now - keep.Value)) >= 0)
                {
                    continue;
                }

                if (reader.GetInt64(3) != 0)
                {
                    held++;
                    continue;
                }

                due.Append(reader.GetInt64(0));
                rulesBySeq[reader.GetInt64(0)] = rule;
                byRule[rule] = byRule.GetValueOrDefault(rule) + 1;
            }
        }

        if (dryRun || due.IsEmpty)
        {
            return new PruneResult(due, held, byRule, [], 0);
        }

        var seqs = due.Ranges.SelectMany(r => Enumerable.Range(0, (int)(r.Last - r.First + 1)).Select(i => r.First + i)).ToList();
        var recordSeqs = new List<long>();
        var checkpointSize = 0L;
        for (var start = 0; start < seqs.Count; start += PruneChunk)
        {
            var chunk = seqs.GetRange(start, Math.Min(PruneChunk, seqs.Count - start));
            var (recordSeq, size) = await PruneChunkAsync(connection, chunk, chunk.Select(s => rulesBySeq[s]).Distinct().Order(StringComparer.Ordinal).ToList(), actor, now, cancellationToken).ConfigureAwait(false);
            recordSeqs.Add(recordSeq);
            checkpointSize = size;
        }

        await TruncateWalAsync(connection, cancellationToken).ConfigureAwait(false);
        return new PruneResult(due, held, byRule, recordSeqs, checkpointSize);
    }

    private async Task<(long RecordSeq, long CheckpointSize)> PruneChunkAsync(SqliteConnection connection, List<long> chunk, List<string> rules, AuditUserIdentity actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tombstones = await TombstonesAsync(connection, chunk, now, cancellationToken).ConfigureAwait(false);
        var ranges = new SeqRanges();
        foreach (var seq in chunk)
        {
            ranges.Append(seq);
        }

        var record = LifecycleRecord(AuditLifecycle.Prune,
            new JsonObject { ["count"] = chunk.Count, ["ranges"] = ranges.ToString() },
            ranges.Ranges.Select(r => new AuditResource { Kind = AuditLifecycle.PrunedRecordsKind, Value = SeqRanges.Format(r.First, r.Last) }).ToList(),
            actor, "content past retention removed; tombstones keep each record's place, hash and leaf hash", rules);
        var (tail, sealedRecord) = await PrepareAsync(connection, record, cancellationToken).ConfigureAwait(false);

        await using var transaction = connection.BeginTransaction();
        // The one path that changes a record row: the append-only trigger is dropped and recreated inside this
        // transaction, so no other connection ever sees the table without it.
        await ExecuteAsync(connection, transaction, "DROP TRIGGER IF EXISTS audit_records_append_only_update;", cancellationToken).ConfigureAwait(false);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE audit_records SET record = $record, source = $pruned, subject = '', roles = '||', server = NULL, name = NULL,
                  method = '', effect = '', session_id = NULL, on_behalf_of = NULL
                WHERE seq = $seq AND hash = $hash AND source <> $pruned
                """;
            foreach (var tombstone in tombstones)
            {
                update.Parameters.Clear();
                update.Parameters.AddWithValue("$record", AuditRecordEncoder.Encode(tombstone));
                update.Parameters.AddWithValue("$pruned", SqliteAuditSchema.PrunedSource);
                update.Parameters.AddWithValue("$seq", tombstone.Seq);
                update.Parameters.AddWithValue("$hash", tombstone.Hash);
                if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    throw new InvalidOperationException($"seq {tombstone.Seq} changed while it was being pruned (another prune ran at the same time); run the prune again.");
                }
            }
        }

        await ExecuteAsync(connection, transaction, SqliteAuditSchema.RecordsUpdateTrigger, cancellationToken).ConfigureAwait(false);
        var (placed, size) = await AppendAsync(connection, transaction, tail, sealedRecord, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await ForgetInIndexAsync(chunk, cancellationToken).ConfigureAwait(false);
        return (placed.Seq, size);
    }

    // The query index (a file of its own, derived from the log) still holds what the pruned records were: their
    // server, tool, session and the data they touched. Those rows go too; queries skip pruned records either way,
    // and an index that cannot be reached now is rebuilt from the log (tombstone rows hold nothing) when it is replaced.
    private async Task ForgetInIndexAsync(List<long> seqs, CancellationToken cancellationToken)
    {
        var indexPath = SqliteAuditIndex.PathFor(_databasePath);
        if (!File.Exists(indexPath))
        {
            return;
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = indexPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 5 }.ToString();
        await using var index = await SqliteAuditStore.OpenConnectionAsync(connectionString, cancellationToken).ConfigureAwait(false);
        await using (var transaction = index.BeginTransaction())
        {
            await using var delete = index.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM audit_index WHERE seq = $seq; DELETE FROM audit_resources WHERE seq = $seq;";
            var seq = delete.Parameters.Add(new SqliteParameter { ParameterName = "$seq" });
            foreach (var pruned in seqs)
            {
                seq.Value = pruned;
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await TruncateWalAsync(index, cancellationToken).ConfigureAwait(false);
    }

    // The tombstone of each record, after checking the record still hashes to its stored hash and leaf hash.
    private static async Task<List<AuditRecord>> TombstonesAsync(SqliteConnection connection, List<long> chunk, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wanted = chunk.ToHashSet();
        var tombstones = new List<AuditRecord>(chunk.Count);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT seq, record, hash, leaf_hash FROM audit_records WHERE seq >= $first AND seq <= $last AND source <> $pruned ORDER BY seq";
        select.Parameters.AddWithValue("$first", chunk[0]);
        select.Parameters.AddWithValue("$last", chunk[^1]);
        select.Parameters.AddWithValue("$pruned", SqliteAuditSchema.PrunedSource);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var seq = reader.GetInt64(0);
            if (!wanted.Contains(seq))
            {
                continue;
            }

            var record = SqliteAuditReader.Decode(seq, (byte[])reader.GetValue(1));
            var storedLeaf = (byte[])reader.GetValue(3);
            var intact = record.Pruned is null && record.Seq == seq && record.Hash == reader.GetString(2);
            try
            {
                // Both hashes again, from the content.
                intact = intact && AuditRecordEncoder.ComputeHash(record) == record.Hash && MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record)).AsSpan().SequenceEqual(storedLeaf);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                intact = false;
            }

            if (!intact)
            {
                throw new InvalidOperationException($"record seq {seq} does not match its stored hash: the log was altered, and pruning it would hide that. Nothing was pruned; run `warden audit verify`.");
            }

            tombstones.Add(AuditRecord.Tombstone(seq, record.Id, record.Timestamp, record.PrevHash, record.Hash, Convert.ToHexStringLower(storedLeaf), now));
        }

        if (tombstones.Count != chunk.Count)
        {
            throw new InvalidOperationException("records due for pruning changed while they were read (another prune ran at the same time); run the prune again.");
        }

        return tombstones;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
