using System.Text;
using Warden.Core.Audit;
using Warden.Core.Audit.Bundles;
using Warden.Storage.Sqlite;

namespace Warden.Cli.Commands;

/// <summary>
/// <c>warden audit export --bundle FILE</c>: a zip an auditor verifies offline — the records as stored, the signed
/// checkpoints, the public verifier keys, a manifest and a README; for a selection (filters, --from-seq) also an
/// inclusion proof of each record and consistency proofs of the earlier checkpoints, against the latest checkpoint.
/// </summary>
internal static class AuditBundleExport
{
    public static async Task<int> RunAsync(AuditLog log, string output, AuditQuery? filter, IReadOnlyDictionary<string, string> filters, long fromSeq, CancellationToken cancellationToken)
    {
        var notes = await log.Reader.CheckpointsAsync(cancellationToken);
        if (new AuditVerifier(log.Keys, log.Origin).OpenCheckpoints(notes, out var checkpoints) is { } forged)
        {
            Console.Out.WriteLine($"broken: {forged.Problem}; run `warden audit verify` before exporting.");
            return AuditLog.Broken;
        }

        var complete = filter is null && fromSeq <= 1;
        var latest = checkpoints.Count > 0 ? checkpoints[^1] : null;
        if (!complete && latest is null)
        {
            Console.Error.WriteLine("The log has no signed checkpoint yet to prove a selection against; export the whole log (no filters), or wait for "
                + "the next checkpoint (audit.checkpointEvery records, audit.checkpointInterval, or shutdown).");
            return AuditLog.UsageError;
        }

        var through = complete ? await log.Reader.LastSeqAsync(cancellationToken) : latest!.TreeSize;
        var partial = output + ".partial";
        try
        {
            var summary = await WriteAsync(log, partial, filter, filters, fromSeq, through, complete, notes, checkpoints, cancellationToken);
            File.Move(partial, output, overwrite: true);
            Console.Out.WriteLine($"wrote {output}: {summary}");
            Console.Out.WriteLine($"  verify it anywhere with `warden audit verify --bundle {output} --key warden-audit.pub` (the key from `warden audit key`)");
            if (!complete && await CountAsync(log.Reader, filter, Math.Max(fromSeq, through + 1), cancellationToken) is > 0 and var later)
            {
                Console.Error.WriteLine($"{later} matching record(s) after the latest signed checkpoint (size {through}) are not in the bundle: "
                    + "they can be proven once the next checkpoint is signed.");
            }

            return 0;
        }
        catch (BrokenLogException ex)
        {
            Console.Out.WriteLine($"broken: {ex.Message}; run `warden audit verify`.");
            return AuditLog.Broken;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task<string> WriteAsync(AuditLog log, string path, AuditQuery? filter, IReadOnlyDictionary<string, string> filters, long fromSeq, long through,
        bool complete, IReadOnlyList<string> notes, IReadOnlyList<Checkpoint> checkpoints, CancellationToken cancellationToken)
    {
        var created = DateTimeOffset.UtcNow;
        await using var file = File.Create(path);
        using var writer = new AuditBundleWriter(file, created);

        var selected = new List<(long Seq, byte[] Leaf)>();
        AuditRecord? first = null, last = null;
        long count = 0;
        await using (var records = writer.Open(AuditBundle.RecordsFile))
        {
            await foreach (var row in log.Reader.ReadStoredAsync(filter, Math.Max(1, fromSeq), through, cancellationToken))
            {
                await records.WriteAsync(row.Json, cancellationToken);
                await records.WriteAsync("\n"u8.ToArray(), cancellationToken);
                var record = SqliteAuditReader.Decode(row.Seq, row.Json);
                (first, last, count) = (first ?? record, record, count + 1);
                if (!complete)
                {
                    if (AuditRecordEncoder.ComputeHash(record) != record.Hash)
                    {
                        throw new BrokenLogException($"record seq {row.Seq} (id {record.Id}) was edited: its content does not hash to its hash field");
                    }

                    selected.Add((row.Seq, MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record))));
                }
            }
        }

        // The notes come ordered by tree size, as the checkpoints were sorted.
        for (var i = 0; i < notes.Count; i++)
        {
            await writer.AddTextAsync(AuditBundle.CheckpointFile(checkpoints[i].TreeSize), notes[i], cancellationToken);
        }

        await writer.AddTextAsync(AuditBundle.KeysFile,
            "# The public keys that signed this log's checkpoints (oldest first). Check them against the key the operator gave you.\n"
            + string.Concat(log.Keys.Select(k => k.VerifierKey + "\n")), cancellationToken);

        if (!complete)
        {
            await WriteProofsAsync(writer, log, selected, checkpoints, cancellationToken);
        }

        var manifest = new AuditBundleManifest
        {
            Created = created,
            ToolVersion = WardenEnvironment.Version,
            Origin = log.Origin,
            Complete = complete,
            Filters = filters,
            RecordCount = count,
            FirstSeq = first?.Seq,
            LastSeq = last?.Seq,
            FirstTimestamp = first is null ? null : AuditRecordEncoder.FormatTimestamp(first.Timestamp),
            LastTimestamp = last is null ? null : AuditRecordEncoder.FormatTimestamp(last.Timestamp),
            CheckpointCount = notes.Count,
            LatestTreeSize = checkpoints.Count > 0 ? checkpoints[^1].TreeSize : null,
        };
        await writer.AddTextAsync(AuditBundle.ReadmeFile, AuditBundle.Readme(manifest), cancellationToken);
        await writer.CompleteAsync(manifest, cancellationToken);

        var kind = complete ? "the whole log" : "a selection, each record with an inclusion proof";
        return $"{count} records{(count > 0 ? $" (seq {first!.Seq}..{last!.Seq})" : "")}, {notes.Count} signed checkpoints; {kind}";
    }

    // Proofs against the latest checkpoint, each verified before it is written: a proof that does not verify means the log is broken.
    private static async Task WriteProofsAsync(AuditBundleWriter writer, AuditLog log, List<(long Seq, byte[] Leaf)> selected, IReadOnlyList<Checkpoint> checkpoints, CancellationToken cancellationToken)
    {
        var latest = checkpoints[^1];
        MerkleProver prover;
        try
        {
            prover = new MerkleProver(await SubtreeCache.BuildAsync(log.Reader.LeafHashes, latest.TreeSize, cancellationToken));
            await using (var inclusion = writer.Open(AuditBundle.InclusionProofsFile))
            {
                foreach (var (seq, leaf) in selected)
                {
                    var proof = await prover.InclusionProofAsync(seq - 1, latest.TreeSize, cancellationToken);
                    if (!MerkleProof.VerifyInclusion(seq - 1, latest.TreeSize, leaf, proof, latest.RootHash))
                    {
                        throw new BrokenLogException($"record seq {seq} is not in the tree the signed checkpoint of size {latest.TreeSize} signs");
                    }

                    await inclusion.WriteAsync(Encoding.UTF8.GetBytes(AuditBundle.InclusionLine(seq, latest.TreeSize, proof) + "\n"), cancellationToken);
                }
            }

            await using var consistency = writer.Open(AuditBundle.ConsistencyProofsFile);
            foreach (var checkpoint in checkpoints.Where(c => c.TreeSize > 0 && c.TreeSize < latest.TreeSize))
            {
                var proof = await prover.ConsistencyProofAsync(checkpoint.TreeSize, latest.TreeSize, cancellationToken);
                if (!MerkleProof.VerifyConsistency(checkpoint.TreeSize, latest.TreeSize, checkpoint.RootHash, latest.RootHash, proof))
                {
                    throw new BrokenLogException($"the signed checkpoint of size {checkpoint.TreeSize} is not consistent with the one of size {latest.TreeSize}");
                }

                await consistency.WriteAsync(Encoding.UTF8.GetBytes(AuditBundle.ConsistencyLine(checkpoint.TreeSize, latest.TreeSize, proof) + "\n"), cancellationToken);
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new BrokenLogException(ex.Message);
        }
    }

    private static async Task<long> CountAsync(SqliteAuditReader reader, AuditQuery? filter, long fromSeq, CancellationToken cancellationToken)
    {
        var count = 0L;
        await foreach (var _ in reader.ReadStoredAsync(filter, fromSeq, long.MaxValue, cancellationToken))
        {
            count++;
        }

        return count;
    }

    private sealed class BrokenLogException(string message) : Exception(message);
}
