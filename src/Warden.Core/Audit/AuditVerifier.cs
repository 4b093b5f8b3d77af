using System.Buffers;

namespace Warden.Core.Audit;

/// <summary>
/// Verifies an audit log end to end from a stream of records in seq order and its signed checkpoints: every
/// record's hash, the seq sequence, the prev_hash chain, the Merkle root at every checkpoint size, and that no
/// checkpoint covers more records than exist. Reports the first problem found; memory stays O(log n).
/// </summary>
public sealed class AuditVerifier
{
    private readonly NoteVerifier[] _trustedKeys;
    private readonly string? _origin;

    /// <summary>A verifier trusting <paramref name="trustedKeys"/>; with <paramref name="origin"/>, checkpoints must name that log.</summary>
    public AuditVerifier(IEnumerable<NoteVerifier> trustedKeys, string? origin = null)
    {
        _trustedKeys = trustedKeys.ToArray();
        _origin = origin;
    }

    /// <summary>Verifies <paramref name="records"/> (seq 1 onwards, in order) against <paramref name="signedCheckpoints"/> (encoded signed notes).</summary>
    public async ValueTask<AuditVerificationResult> VerifyAsync(IAsyncEnumerable<AuditRecord> records, IEnumerable<string> signedCheckpoints, CancellationToken cancellationToken)
    {
        if (OpenCheckpoints(signedCheckpoints, out var checkpoints) is { } forged)
        {
            return forged;
        }

        var tree = new CompactMerkleTree();
        var scratch = new ArrayBufferWriter<byte>(4096);
        var recordHash = new byte[MerkleHash.Size];
        var leafHash = new byte[MerkleHash.Size];
        var recordHashHex = new char[MerkleHash.Size * 2];
        var expectedSeq = 1L;
        var prevHash = AuditRecord.GenesisPrevHash;
        var nextCheckpoint = 0;
        var anchored = 0L;
        var pruned = 0L;
        var unaccounted = new SeqRanges();
        var lastPruneRecord = 0L;

        // A checkpoint of the empty tree is matched before any record is read.
        if (MatchCheckpoints(tree, checkpoints, ref nextCheckpoint, ref anchored) is { } emptyMismatch)
        {
            return emptyMismatch;
        }

        await using var enumerator = records.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            AuditRecord record;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    break;
                }

                record = enumerator.Current;
            }
            catch (FormatException ex)
            {
                return Fail(AuditProblemKind.EditedRecord, expectedSeq, $"the record after seq {expectedSeq - 1} cannot be read: {ex.Message}", expectedSeq - 1, anchored);
            }

            var verified = expectedSeq - 1;
            if (record.Pruned is { } tombstone)
            {
                // Nothing left to hash: the stored leaf goes into the tree (a signed root catches a changed one) and the
                // stored hash into the chain; the tombstone must be accounted for by a signed prune record.
                if (!IsHash(tombstone.LeafHash) || !IsHash(record.Hash))
                {
                    return Fail(AuditProblemKind.EditedRecord, expectedSeq, $"the tombstone of seq {record.Seq} (id {record.Id}) has a malformed leaf hash or hash; it was altered outside Warden", verified, anchored);
                }

                Convert.FromHexString(tombstone.LeafHash, leafHash, out _, out _);
                if (record.Seq == expectedSeq)
                {
                    unaccounted.Append(record.Seq);
                }

                pruned++;
            }
            else
            {
                try
                {
                    AuditRecordEncoder.ComputeHashes(record, scratch, recordHash, leafHash);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    return Fail(AuditProblemKind.EditedRecord, expectedSeq, $"record seq {record.Seq} cannot be canonically encoded ({ex.Message}); it was altered outside Warden", verified, anchored);
                }
            }

            Convert.TryToHexStringLower(recordHash, recordHashHex, out _);
            if (record.Pruned is null && !record.Hash.AsSpan().SequenceEqual(recordHashHex))
            {
                var where = record.Seq == expectedSeq ? $"record seq {record.Seq}" : $"the record at position {expectedSeq} (its seq field says {record.Seq})";
                return Fail(AuditProblemKind.EditedRecord, expectedSeq,
                    $"{where} (id {record.Id}) was edited: its content hashes to {Short(recordHashHex)} but its hash field is {Short(record.Hash)}", verified, anchored);
            }

            if (record.Seq > expectedSeq)
            {
                var missing = record.Seq == expectedSeq + 1 ? $"seq {expectedSeq} is" : $"seq {expectedSeq}..{record.Seq - 1} are";
                return Fail(AuditProblemKind.MissingRecord, expectedSeq,
                    $"{missing} missing: the log goes from seq {expectedSeq - 1} to seq {record.Seq} (records were deleted or moved)", verified, anchored);
            }

            if (record.Seq < expectedSeq)
            {
                var what = record.Seq == expectedSeq - 1
                    ? $"seq {record.Seq} appears twice (a record was inserted or duplicated)"
                    : $"seq {record.Seq} appears after seq {expectedSeq - 1} (records were reordered or inserted)";
                return Fail(AuditProblemKind.OutOfOrderRecord, expectedSeq, what, verified, anchored);
            }

            if (!string.Equals(record.PrevHash, prevHash, StringComparison.Ordinal))
            {
                var previous = expectedSeq == 1 ? "the genesis value (64 zeros)" : $"the hash of seq {expectedSeq - 1} ({Short(prevHash)})";
                return Fail(AuditProblemKind.BrokenChain, expectedSeq,
                    $"record seq {record.Seq}'s prev_hash {Short(record.PrevHash)} is not {previous}: a record before it was replaced or removed and the log renumbered", verified, anchored);
            }

            if (record.Pruned is null && record.Input.Method == AuditLifecycle.Prune && record.Source == AuditSource.Admin)
            {
                foreach (var listed in record.DataAccessed)
                {
                    if (listed.Kind == AuditLifecycle.PrunedRecordsKind && SeqRanges.TryParse(listed.Value, out var first, out var last))
                    {
                        unaccounted.Remove(first, last);
                    }
                }

                lastPruneRecord = record.Seq;
            }

            tree.Append(leafHash);
            prevHash = record.Hash;
            expectedSeq++;
            if (MatchCheckpoints(tree, checkpoints, ref nextCheckpoint, ref anchored) is { } mismatch)
            {
                return mismatch;
            }
        }

        var count = expectedSeq - 1;
        if (nextCheckpoint < checkpoints.Count)
        {
            var largest = checkpoints[^1].TreeSize;
            return Fail(AuditProblemKind.TruncatedTail, count + 1,
                $"the log ends at seq {count} but a signed checkpoint covers {largest} records: seq {count + 1}..{largest} were removed from the tail", count, anchored);
        }

        // Tombstones are accounted for once every prune record has been read (a prune record comes after what it pruned).
        if (!unaccounted.IsEmpty)
        {
            var (first, last) = unaccounted.Ranges[0];
            return Fail(AuditProblemKind.UnaccountedPrune, first,
                $"the content of seq {SeqRanges.Format(first, last)} was removed (tombstone{(first == last ? "" : "s")}) but no prune record lists {(first == last ? "it" : "them")}: "
                + "records were emptied outside Warden's prune path, or the prune record was removed", count, anchored, pruned);
        }

        if (lastPruneRecord > anchored)
        {
            return Fail(AuditProblemKind.UnaccountedPrune, lastPruneRecord,
                $"prune record seq {lastPruneRecord} is not covered by a signed checkpoint (Warden signs one in the same transaction as every prune): it was added outside Warden", count, anchored, pruned);
        }

        return new AuditVerificationResult(AuditProblemKind.None, null, null, count, anchored, pruned);
    }

    /// <summary>
    /// Opens every signed checkpoint (trusted signature, well-formed, the expected origin) and checks that no two of
    /// the same size disagree; <paramref name="checkpoints"/> comes back sorted by tree size. Returns the first
    /// problem as a <see cref="AuditProblemKind.ForgedCheckpoint"/> result, or null when every one opened.
    /// </summary>
    public AuditVerificationResult? OpenCheckpoints(IEnumerable<string> signedCheckpoints, out List<Checkpoint> checkpoints)
    {
        checkpoints = [];
        var index = 0;
        foreach (var signed in signedCheckpoints)
        {
            index++;
            var opened = Checkpoint.Open(signed, _trustedKeys, _origin);
            if (!opened.IsVerified)
            {
                return Fail(AuditProblemKind.ForgedCheckpoint, null, $"checkpoint {index} does not verify: {opened.Problem}", 0, 0);
            }

            checkpoints.Add(opened.Checkpoint!);
        }

        checkpoints.Sort((a, b) => a.TreeSize.CompareTo(b.TreeSize));
        for (var i = 1; i < checkpoints.Count; i++)
        {
            if (checkpoints[i].TreeSize == checkpoints[i - 1].TreeSize && !checkpoints[i].RootHash.AsSpan().SequenceEqual(checkpoints[i - 1].RootHash))
            {
                return Fail(AuditProblemKind.ForgedCheckpoint, null, $"two signed checkpoints for tree size {checkpoints[i].TreeSize} have different roots: the log was forked or a signing key misused", 0, 0);
            }
        }

        return null;
    }

    private static bool IsHash(string hex) => hex.Length == MerkleHash.Size * 2 && hex.All(char.IsAsciiHexDigitLower);

    private static AuditVerificationResult? MatchCheckpoints(CompactMerkleTree tree, List<Checkpoint> checkpoints, ref int next, ref long anchored)
    {
        byte[]? root = null;
        while (next < checkpoints.Count && checkpoints[next].TreeSize == tree.Size)
        {
            root ??= tree.Root();
            var checkpoint = checkpoints[next];
            if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                return Fail(AuditProblemKind.RootMismatch, anchored + 1,
                    $"the Merkle root of seq 1..{tree.Size} is {Short(Convert.ToHexStringLower(root))} but the signed checkpoint for size {tree.Size} says {Short(Convert.ToHexStringLower(checkpoint.RootHash))}: " +
                    $"a record in seq {anchored + 1}..{tree.Size} was altered, inserted or removed and the hash chain rewritten to hide it", tree.Size, anchored);
            }

            anchored = tree.Size;
            next++;
        }

        return null;
    }

    private static AuditVerificationResult Fail(AuditProblemKind kind, long? seq, string problem, long verified, long anchored, long pruned = 0) =>
        new(kind, seq, problem, verified, anchored, pruned);

    private static string Short(ReadOnlySpan<char> hex) => hex.Length > 16 ? $"{hex[..16]}…" : hex.ToString();
}
