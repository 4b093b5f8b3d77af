using System.Runtime.CompilerServices;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

public sealed class AuditVerifierTests : IDisposable
{
    private const int Size = 20;
    private readonly NoteSigner _signer = NoteSigner.Generate("warden.test/audit");
    private readonly List<AuditRecord> _log = AuditRecords.Log(Size);

    public void Dispose() => _signer.Dispose();

    private AuditVerifier Verifier => new([_signer.Verifier], "warden.test/audit");

    // Every case runs both ways: over decoded records, and over their stored bytes as `warden audit verify` reads them.
    private async Task<AuditVerificationResult> VerifyAsync(IEnumerable<AuditRecord> records, params string[] checkpoints)
    {
        var list = records.ToList();
        var decoded = await Verifier.VerifyAsync(AuditRecords.Stream(list), checkpoints, CancellationToken.None);
        var stored = await Verifier.VerifyStoredAsync(AuditRecords.Stream(list.Select(r => (ReadOnlyMemory<byte>)AuditRecordEncoder.Encode(r))), checkpoints, CancellationToken.None);
        Assert.Equal(decoded, stored);
        return decoded;
    }

    private string CheckpointAt(int size) => AuditRecords.Checkpoint(_log, size, _signer);

    [Fact]
    public async Task Verify_UntouchedLog_IsIntact()
    {
        var result = await VerifyAsync(_log, CheckpointAt(8), CheckpointAt(Size));

        Assert.True(result.IsIntact, result.Problem);
        Assert.Null(result.FirstBrokenSeq);
        Assert.Equal(Size, result.RecordsVerified);
        Assert.Equal(Size, result.CheckpointSize);
    }

    [Fact]
    public async Task Verify_EmptyLog_IsIntact()
    {
        var result = await VerifyAsync([], new Checkpoint("warden.test/audit", 0, MerkleHash.EmptyRoot).Sign(_signer));

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(0, result.RecordsVerified);
    }

    [Fact]
    public async Task Verify_RowEdited_ReportsFirstBrokenRecord()
    {
        var tampered = _log.ToList();
        tampered[6] = tampered[6] with { User = tampered[6].User with { Subject = "mallory" } };

        var result = await VerifyAsync(tampered, CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.EditedRecord, result.Kind);
        Assert.Equal(7, result.FirstBrokenSeq);
        Assert.Equal(6, result.RecordsVerified);
        Assert.StartsWith("record seq 7 (id id-7) was edited: its content hashes to ", result.Problem);
    }

    [Fact]
    public async Task Verify_SeqFieldEdited_ReportsPosition()
    {
        var tampered = _log.ToList();
        tampered[4] = tampered[4] with { Seq = 40 };

        var result = await VerifyAsync(tampered);

        Assert.Equal(AuditProblemKind.EditedRecord, result.Kind);
        Assert.Equal(5, result.FirstBrokenSeq);
        Assert.Contains("the record at position 5 (its seq field says 40)", result.Problem);
    }

    [Fact]
    public async Task Verify_RowDeleted_ReportsMissingSeq()
    {
        var tampered = _log.Where(r => r.Seq != 9).ToList();

        var result = await VerifyAsync(tampered, CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.MissingRecord, result.Kind);
        Assert.Equal(9, result.FirstBrokenSeq);
        Assert.Equal("seq 9 is missing: the log goes from seq 8 to seq 10 (records were deleted or moved)", result.Problem);
    }

    [Fact]
    public async Task Verify_SeveralRowsDeleted_ReportsTheRange()
    {
        var result = await VerifyAsync(_log.Where(r => r.Seq is < 4 or > 6), CheckpointAt(Size));

        Assert.Equal("seq 4..6 are missing: the log goes from seq 3 to seq 7 (records were deleted or moved)", result.Problem);
    }

    [Fact]
    public async Task Verify_RowDuplicated_ReportsInsertion()
    {
        var tampered = _log.ToList();
        tampered.Insert(5, _log[4]);

        var result = await VerifyAsync(tampered, CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.OutOfOrderRecord, result.Kind);
        Assert.Equal(6, result.FirstBrokenSeq);
        Assert.Equal("seq 5 appears twice (a record was inserted or duplicated)", result.Problem);
    }

    [Fact]
    public async Task Verify_OldRowMovedLater_ReportsOutOfOrder()
    {
        var tampered = _log.ToList();
        tampered.Insert(10, _log[2]);

        var result = await VerifyAsync(tampered);

        Assert.Equal(AuditProblemKind.OutOfOrderRecord, result.Kind);
        Assert.Equal(11, result.FirstBrokenSeq);
        Assert.Equal("seq 3 appears after seq 10 (records were reordered or inserted)", result.Problem);
    }

    [Fact]
    public async Task Verify_RowsSwapped_ReportsFirstDisplacedSeq()
    {
        var tampered = _log.ToList();
        (tampered[11], tampered[12]) = (tampered[12], tampered[11]);

        var result = await VerifyAsync(tampered, CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.MissingRecord, result.Kind);
        Assert.Equal(12, result.FirstBrokenSeq);
    }

    [Fact]
    public async Task Verify_RowDeletedAndLaterRowsRenumbered_ReportsBrokenChain()
    {
        // The attacker renumbers and rehashes each later record but cannot fix prev_hash without rewriting the chain.
        var tampered = _log.Where(r => r.Seq != 9).ToList();
        for (var i = 8; i < tampered.Count; i++)
        {
            var renumbered = tampered[i] with { Seq = i + 1 };
            tampered[i] = renumbered with { Hash = AuditRecordEncoder.ComputeHash(renumbered) };
        }

        var result = await VerifyAsync(tampered, CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.BrokenChain, result.Kind);
        Assert.Equal(9, result.FirstBrokenSeq);
        Assert.StartsWith("record seq 9's prev_hash ", result.Problem);
        Assert.Contains("is not the hash of seq 8", result.Problem);
    }

    [Fact]
    public async Task Verify_RowEditedAndWholeChainRewritten_CaughtBySignedCheckpoint()
    {
        var edited = _log.ToList();
        edited[13] = edited[13] with { Decision = edited[13].Decision with { Effect = AuditEffect.Allow, Reason = "nothing to see" } };
        var rewritten = AuditRecords.Rechain(edited, 13);

        var chainOnly = await VerifyAsync(rewritten);
        var result = await VerifyAsync(rewritten, CheckpointAt(8), CheckpointAt(Size));

        Assert.True(chainOnly.IsIntact, "without a checkpoint a full rewrite is undetectable; this is what checkpoints are for");
        Assert.Equal(AuditProblemKind.RootMismatch, result.Kind);
        Assert.Equal(9, result.FirstBrokenSeq);
        Assert.Equal(8, result.CheckpointSize);
        Assert.Contains($"a record in seq 9..{Size} was altered, inserted or removed", result.Problem);
    }

    [Fact]
    public async Task Verify_TailTruncated_ReportsCutRecords()
    {
        var result = await VerifyAsync(_log.Take(Size - 3), CheckpointAt(Size));

        Assert.Equal(AuditProblemKind.TruncatedTail, result.Kind);
        Assert.Equal(Size - 2, result.FirstBrokenSeq);
        Assert.Equal($"the log ends at seq {Size - 3} but a signed checkpoint covers {Size} records: seq {Size - 2}..{Size} were removed from the tail", result.Problem);
    }

    [Fact]
    public async Task Verify_CheckpointSignedByOtherKey_ReportsForgery()
    {
        using var forger = NoteSigner.Generate("warden.test/audit");

        var result = await VerifyAsync(_log, CheckpointAt(Size), AuditRecords.Checkpoint(_log, 10, forger));

        Assert.Equal(AuditProblemKind.ForgedCheckpoint, result.Kind);
        Assert.Null(result.FirstBrokenSeq);
        Assert.StartsWith("checkpoint 2 does not verify: no signature from a trusted key", result.Problem);
    }

    [Fact]
    public async Task Verify_CheckpointTextAltered_ReportsForgery()
    {
        var signed = CheckpointAt(10).Replace("\n10\n", "\n12\n", StringComparison.Ordinal);

        var result = await VerifyAsync(_log, signed);

        Assert.Equal(AuditProblemKind.ForgedCheckpoint, result.Kind);
        Assert.Contains("invalid signature", result.Problem);
    }

    [Fact]
    public async Task Verify_CheckpointForAnotherLog_ReportsIt()
    {
        var other = new Checkpoint("warden.test/audit", 0, MerkleHash.EmptyRoot).Sign(_signer);
        var verifier = new AuditVerifier([_signer.Verifier], "elsewhere/audit");

        var result = await verifier.VerifyAsync(AuditRecords.Stream(_log), [other], CancellationToken.None);

        Assert.Equal(AuditProblemKind.ForgedCheckpoint, result.Kind);
        Assert.Contains("not 'elsewhere/audit'", result.Problem);
    }

    [Fact]
    public async Task Verify_TwoCheckpointsSameSizeDifferentRoots_ReportsFork()
    {
        var fork = AuditRecords.Rechain(_log.Take(9).Append(AuditRecords.Minimal(99)).ToList());

        var result = await VerifyAsync(_log, CheckpointAt(10), AuditRecords.Checkpoint(fork, 10, _signer));

        Assert.Equal(AuditProblemKind.ForgedCheckpoint, result.Kind);
        Assert.Contains("two signed checkpoints for tree size 10 have different roots", result.Problem);
    }

    [Fact]
    public async Task Verify_UnreadableRow_ReportsIt()
    {
        var result = await Verifier.VerifyAsync(ThrowingAfter(_log, 3), [], CancellationToken.None);

        Assert.Equal(AuditProblemKind.EditedRecord, result.Kind);
        Assert.Equal(4, result.FirstBrokenSeq);
        Assert.StartsWith("the record after seq 3 cannot be read: ", result.Problem);
    }

    [Fact]
    public async Task Verify_RotatedKeys_AcceptsCheckpointsFromEach()
    {
        using var next = NoteSigner.Generate("warden.test/audit");
        var verifier = new AuditVerifier([_signer.Verifier, next.Verifier], "warden.test/audit");

        var result = await verifier.VerifyAsync(AuditRecords.Stream(_log), [CheckpointAt(5), AuditRecords.Checkpoint(_log, Size, next)], CancellationToken.None);

        Assert.True(result.IsIntact, result.Problem);
    }

    private static async IAsyncEnumerable<AuditRecord> ThrowingAfter(IEnumerable<AuditRecord> records, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var record in records.Take(count))
        {
            await Task.Yield();
            yield return record;
        }

        throw new FormatException("record.seq must be an integer.");
    }
}
