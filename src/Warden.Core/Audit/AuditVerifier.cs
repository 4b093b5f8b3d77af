using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

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

        var walk = new Walk(checkpoints);
        if (walk.Start() is { } emptyMismatch)
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
                return walk.Unreadable(ex.Message);
            }

            if (walk.Add(record) is { } problem)
            {
                return problem;
            }
        }

        return walk.Finish();
    }

    /// <summary>
    /// Verifies records given as their stored canonical bytes (seq 1 onwards, in order), as <c>warden audit verify</c>
    /// reads them: each record's hashes are computed over its stored bytes without the <c>hash</c> property, which is
    /// the encoding they were made from, so a record need not be decoded. Tombstones, admin records (a prune record
    /// lists what it pruned) and anything the one-pass reader does not expect are decoded strictly, as
    /// <see cref="VerifyAsync"/> does. The outcome is the same as decoding every record.
    /// </summary>
    public async ValueTask<AuditVerificationResult> VerifyStoredAsync(IAsyncEnumerable<ReadOnlyMemory<byte>> storedRecords, IEnumerable<string> signedCheckpoints, CancellationToken cancellationToken)
    {
        if (OpenCheckpoints(signedCheckpoints, out var checkpoints) is { } forged)
        {
            return forged;
        }

        var walk = new Walk(checkpoints);
        if (walk.Start() is { } emptyMismatch)
        {
            return emptyMismatch;
        }

        // Reading the store and hashing run on two threads: a batch is hashed while the next is read.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<List<ReadOnlyMemory<byte>>>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => ReadBatchesAsync(storedRecords, batches.Writer, stop.Token), stop.Token);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var stored in batch)
                {
                    if (Step(walk, stored.Span) is { } problem)
                    {
                        return problem;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is FormatException)
        {
            return walk.Unreadable(ex.Message);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return walk.Finish();
    }

    private static AuditVerificationResult? Step(Walk walk, ReadOnlySpan<byte> json)
    {
        if (StoredRecordFields.TryRead(json, out var fields) && !fields.Pruned && !fields.Admin)
        {
            return walk.AddStored(json, fields);
        }

        AuditRecord record;
        try
        {
            record = AuditRecordDecoder.Decode(json);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            return walk.Unreadable(ex.Message);
        }

        return walk.Add(record);
    }

    private static async Task ReadBatchesAsync(IAsyncEnumerable<ReadOnlyMemory<byte>> storedRecords, ChannelWriter<List<ReadOnlyMemory<byte>>> writer, CancellationToken cancellationToken)
    {
        const int BatchSize = 512;
        try
        {
            var batch = new List<ReadOnlyMemory<byte>>(BatchSize);
            await foreach (var stored in storedRecords.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(stored);
                if (batch.Count == BatchSize)
                {
                    await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = new List<ReadOnlyMemory<byte>>(BatchSize);
                }
            }

            if (batch.Count > 0)
            {
                await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            writer.TryComplete();
        }
        catch (Exception ex)
        {
            // A read error reaches the verifying side, which reports it at the record it stopped at.
            writer.TryComplete(ex is OperationCanceledException ? null : ex);
        }
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

    // One pass over the log: the chain, the seq sequence, the Merkle tree against the checkpoints, and the prune accounting.
    private sealed class Walk(List<Checkpoint> checkpoints)
    {
        private readonly CompactMerkleTree _tree = new();
        private readonly ArrayBufferWriter<byte> _scratch = new(4096);
        private readonly byte[] _recordHash = new byte[MerkleHash.Size];
        private readonly byte[] _leafHash = new byte[MerkleHash.Size];
        private readonly byte[] _recordHashHex = new byte[MerkleHash.Size * 2];
        private readonly SeqRanges _unaccounted = new();
        private byte[] _prevHash = Encoding.ASCII.GetBytes(AuditRecord.GenesisPrevHash);
        private byte[] _nextPrevHash = new byte[MerkleHash.Size * 2];
        private long _expectedSeq = 1;
        private int _nextCheckpoint;
        private long _anchored;
        private long _pruned;
        private long _lastPruneRecord;

        // A checkpoint of the empty tree is matched before any record is read.
        public AuditVerificationResult? Start() => MatchCheckpoints(_tree, checkpoints, ref _nextCheckpoint, ref _anchored);

        public AuditVerificationResult Unreadable(string why) =>
            Fail(AuditProblemKind.EditedRecord, _expectedSeq, $"the record after seq {_expectedSeq - 1} cannot be read: {why}", _expectedSeq - 1, _anchored);

        public AuditVerificationResult? Add(AuditRecord record)
        {
            var verified = _expectedSeq - 1;
            if (record.Pruned is { } tombstone)
            {
                // Nothing left to hash: the stored leaf goes into the tree (a signed root catches a changed one) and the
                // stored hash into the chain; the tombstone must be accounted for by a signed prune record.
                if (!IsHash(tombstone.LeafHash) || !IsHash(record.Hash))
                {
                    return Fail(AuditProblemKind.EditedRecord, _expectedSeq, $"the tombstone of seq {record.Seq} (id {record.Id}) has a malformed leaf hash or hash; it was altered outside Warden", verified, _anchored);
                }

                Convert.FromHexString(tombstone.LeafHash, _leafHash, out _, out _);
                if (record.Seq == _expectedSeq)
                {
                    _unaccounted.Append(record.Seq);
                }

                _pruned++;
            }
            else
            {
                try
                {
                    AuditRecordEncoder.ComputeHashes(record, _scratch, _recordHash, _leafHash);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    return Fail(AuditProblemKind.EditedRecord, _expectedSeq, $"record seq {record.Seq} cannot be canonically encoded ({ex.Message}); it was altered outside Warden", verified, _anchored);
                }
            }

            var problem = Accept(record.Seq, Encoding.UTF8.GetBytes(record.Hash), Encoding.UTF8.GetBytes(record.PrevHash), Encoding.UTF8.GetBytes(record.Id), checkHash: record.Pruned is null);
            if (problem is null && record.Pruned is null && record.Input.Method == AuditLifecycle.Prune && record.Source == AuditSource.Admin)
            {
                foreach (var listed in record.DataAccessed)
                {
                    if (listed.Kind == AuditLifecycle.PrunedRecordsKind && SeqRanges.TryParse(listed.Value, out var first, out var last))
                    {
                        _unaccounted.Remove(first, last);
                    }
                }

                _lastPruneRecord = record.Seq;
            }

            return problem ?? Next();
        }

        public AuditVerificationResult? AddStored(ReadOnlySpan<byte> json, in StoredRecordFields fields)
        {
            // Byte 0 is the RFC 6962 leaf prefix; the hashed encoding follows it, so both hashes read one buffer.
            _scratch.ResetWrittenCount();
            var buffer = _scratch.GetSpan(json.Length + 1);
            buffer[0] = 0x00;
            var length = fields.WriteHashedEncoding(json, buffer[1..]);
            SHA256.HashData(buffer.Slice(1, length), _recordHash);
            SHA256.HashData(buffer[..(length + 1)], _leafHash);
            return Accept(fields.Seq, json[fields.Hash], json[fields.PrevHash], json[fields.Id], checkHash: true) ?? Next();
        }

        private AuditVerificationResult? Accept(long seq, ReadOnlySpan<byte> storedHash, ReadOnlySpan<byte> prevHash, ReadOnlySpan<byte> id, bool checkHash)
        {
            var verified = _expectedSeq - 1;
            Convert.TryToHexStringLower(_recordHash, _recordHashHex, out _);
            if (checkHash && !storedHash.SequenceEqual(_recordHashHex))
            {
                var where = seq == _expectedSeq ? $"record seq {seq}" : $"the record at position {_expectedSeq} (its seq field says {seq})";
                return Fail(AuditProblemKind.EditedRecord, _expectedSeq,
                    $"{where} (id {Encoding.UTF8.GetString(id)}) was edited: its content hashes to {Short(_recordHashHex)} but its hash field is {Short(storedHash)}", verified, _anchored);
            }

            if (seq > _expectedSeq)
            {
                var missing = seq == _expectedSeq + 1 ? $"seq {_expectedSeq} is" : $"seq {_expectedSeq}..{seq - 1} are";
                return Fail(AuditProblemKind.MissingRecord, _expectedSeq,
                    $"{missing} missing: the log goes from seq {_expectedSeq - 1} to seq {seq} (records were deleted or moved)", verified, _anchored);
            }

            if (seq < _expectedSeq)
            {
                var what = seq == _expectedSeq - 1
                    ? $"seq {seq} appears twice (a record was inserted or duplicated)"
                    : $"seq {seq} appears after seq {_expectedSeq - 1} (records were reordered or inserted)";
                return Fail(AuditProblemKind.OutOfOrderRecord, _expectedSeq, what, verified, _anchored);
            }

            if (!prevHash.SequenceEqual(_prevHash))
            {
                var previous = _expectedSeq == 1 ? "the genesis value (64 zeros)" : $"the hash of seq {_expectedSeq - 1} ({Short(_prevHash)})";
                return Fail(AuditProblemKind.BrokenChain, _expectedSeq,
                    $"record seq {seq}'s prev_hash {Short(prevHash)} is not {previous}: a record before it was replaced or removed and the log renumbered", verified, _anchored);
            }

            if (_nextPrevHash.Length != storedHash.Length)
            {
                _nextPrevHash = new byte[storedHash.Length];
            }

            storedHash.CopyTo(_nextPrevHash);
            return null;
        }

        // The record was accepted: its leaf joins the tree, its hash becomes the next record's expected prev_hash.
        private AuditVerificationResult? Next()
        {
            _tree.Append(_leafHash);
            (_prevHash, _nextPrevHash) = (_nextPrevHash, _prevHash);
            _expectedSeq++;
            return MatchCheckpoints(_tree, checkpoints, ref _nextCheckpoint, ref _anchored);
        }

        public AuditVerificationResult Finish()
        {
            var count = _expectedSeq - 1;
            if (_nextCheckpoint < checkpoints.Count)
            {
                var largest = checkpoints[^1].TreeSize;
                return Fail(AuditProblemKind.TruncatedTail, count + 1,
                    $"the log ends at seq {count} but a signed checkpoint covers {largest} records: seq {count + 1}..{largest} were removed from the tail", count, _anchored);
            }

            // Tombstones are accounted for once every prune record has been read (a prune record comes after what it pruned).
            if (!_unaccounted.IsEmpty)
            {
                var (first, last) = _unaccounted.Ranges[0];
                return Fail(AuditProblemKind.UnaccountedPrune, first,
                    $"the content of seq {SeqRanges.Format(first, last)} was removed (tombstone{(first == last ? "" : "s")}) but no prune record lists {(first == last ? "it" : "them")}: "
                    + "records were emptied outside Warden's prune path, or the prune record was removed", count, _anchored, _pruned);
            }

            if (_lastPruneRecord > _anchored)
            {
                return Fail(AuditProblemKind.UnaccountedPrune, _lastPruneRecord,
                    $"prune record seq {_lastPruneRecord} is not covered by a signed checkpoint (Warden signs one in the same transaction as every prune): it was added outside Warden", count, _anchored, _pruned);
            }

            return new AuditVerificationResult(AuditProblemKind.None, null, null, count, _anchored, _pruned);
        }
    }

    private static AuditVerificationResult Fail(AuditProblemKind kind, long? seq, string problem, long verified, long anchored, long pruned = 0) =>
        new(kind, seq, problem, verified, anchored, pruned);

    private static string Short(ReadOnlySpan<byte> hex) => hex.Length > 16 ? $"{Encoding.UTF8.GetString(hex[..16])}…" : Encoding.UTF8.GetString(hex);

    private static string Short(string hex) => Short(Encoding.UTF8.GetBytes(hex));
}
