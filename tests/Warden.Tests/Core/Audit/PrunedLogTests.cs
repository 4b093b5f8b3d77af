using System.Text;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>Tombstones, their encoding, and how the verifier accounts for them with prune records.</summary>
public sealed class PrunedLogTests : IDisposable
{
    private readonly NoteSigner _signer = NoteSigner.Generate("warden.test/audit");

    public void Dispose() => _signer.Dispose();

    [Fact]
    public void Tombstone_EncodesItsPlaceOnly_AndDecodesBack()
    {
        var record = AuditRecords.Log(3)[2];
        var tombstone = Tombstone(record, DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var json = Encoding.UTF8.GetString(AuditRecordEncoder.Encode(tombstone));

        Assert.Equal($"{{\"hash\":\"{record.Hash}\",\"id\":\"{record.Id}\",\"prev_hash\":\"{record.PrevHash}\",\"pruned\":{{\"at\":\"2026-11-24T10:00:00.000000Z\",\"leaf_hash\":\"{tombstone.Pruned!.LeafHash}\"}},\"schema_version\":1,\"seq\":3,\"timestamp\":\"{AuditRecordEncoder.FormatTimestamp(record.Timestamp)}\"}}", json);
        Assert.Equal(json, Encoding.UTF8.GetString(AuditRecordEncoder.Encode(AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json)))));
        Assert.Throws<InvalidOperationException>(() => AuditRecordEncoder.Canonicalize(tombstone));
        Assert.Throws<FormatException>(() => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(json.Replace("\"seq\":3", "\"seq\":3,\"source\":\"mcp\"", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Verify_TombstonesListedByASignedPruneRecord_AreIntactAndCounted()
    {
        var (log, checkpoints) = Pruned(listed: "2-3", checkpointAfterPrune: true);

        var result = await Verify(log, checkpoints);

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(2, result.RecordsPruned);
        Assert.Equal(6, result.RecordsVerified);
    }

    [Fact]
    public async Task Verify_TombstoneNoPruneRecordLists_IsUnaccountedPrune()
    {
        var (log, checkpoints) = Pruned(listed: "2", checkpointAfterPrune: true);

        var result = await Verify(log, checkpoints);

        Assert.Equal(AuditProblemKind.UnaccountedPrune, result.Kind);
        Assert.Equal(3, result.FirstBrokenSeq);
        Assert.Contains("the content of seq 3 was removed", result.Problem);
    }

    [Fact]
    public async Task Verify_PruneRecordNoCheckpointCovers_IsUnaccountedPrune()
    {
        var (log, checkpoints) = Pruned(listed: "2-3", checkpointAfterPrune: false);

        var result = await Verify(log, checkpoints);

        Assert.Equal(AuditProblemKind.UnaccountedPrune, result.Kind);
        Assert.Contains("prune record seq 6 is not covered by a signed checkpoint", result.Problem);
    }

    [Fact]
    public async Task Verify_TombstoneLeafChanged_IsRootMismatch()
    {
        var (log, checkpoints) = Pruned(listed: "2-3", checkpointAfterPrune: true);
        log[1] = log[1] with { Pruned = log[1].Pruned! with { LeafHash = new string('0', 64) } };

        var result = await Verify(log, checkpoints);

        Assert.Equal(AuditProblemKind.RootMismatch, result.Kind);
    }

    [Fact]
    public void SeqRanges_AppendRemoveFormatParse()
    {
        var ranges = new SeqRanges();
        foreach (var seq in new long[] { 1, 2, 3, 5, 7, 8 })
        {
            ranges.Append(seq);
        }

        Assert.Equal("1-3,5,7-8", ranges.ToString());
        Assert.Equal(6, ranges.Count);
        ranges.Remove(2, 2);
        ranges.Remove(6, 7);
        Assert.Equal("1,3,5,8", ranges.ToString());
        Assert.True(SeqRanges.TryParse("4-5", out var first, out var last) && first == 4 && last == 5);
        Assert.True(SeqRanges.TryParse("9", out first, out last) && first == 9 && last == 9);
        Assert.False(SeqRanges.TryParse("5-4", out _, out _));
        Assert.False(SeqRanges.TryParse("x", out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ranges.Append(8));
    }

    // Records 1..5, checkpoint at 5; records 2 and 3 become tombstones; record 6 is the prune record listing `listed`.
    private (List<AuditRecord> Log, List<string> Checkpoints) Pruned(string listed, bool checkpointAfterPrune)
    {
        var log = AuditRecords.Log(5);
        var prune = AuditRecordEncoder.Seal(new AuditRecord
        {
            Id = "prune-1",
            Timestamp = AuditRecords.Epoch.AddDays(400),
            Source = AuditSource.Admin,
            Input = new AuditInput { Method = AuditLifecycle.Prune },
            DataAccessed = listed.Split(',').Select(r => new AuditResource { Kind = AuditLifecycle.PrunedRecordsKind, Value = r }).ToArray(),
            User = new AuditUserIdentity { Subject = "warden", AuthMethod = "system" },
            Decision = new AuditDecision { Effect = AuditEffect.Allow },
        }, 6, log[4].Hash);
        log.Add(prune);
        var checkpoints = new List<string> { AuditRecords.Checkpoint(log, 5, _signer) };
        if (checkpointAfterPrune)
        {
            checkpoints.Add(AuditRecords.Checkpoint(log, 6, _signer));
        }

        log[1] = Tombstone(log[1], AuditRecords.Epoch.AddDays(400));
        log[2] = Tombstone(log[2], AuditRecords.Epoch.AddDays(400));
        return (log, checkpoints);
    }

    private ValueTask<AuditVerificationResult> Verify(List<AuditRecord> log, List<string> checkpoints) =>
        new AuditVerifier([_signer.Verifier]).VerifyAsync(AuditRecords.Stream(log), checkpoints, CancellationToken.None);

    private static AuditRecord Tombstone(AuditRecord record, DateTimeOffset at) =>
        AuditRecord.Tombstone(record.Seq, record.Id, record.Timestamp, record.PrevHash, record.Hash, Convert.ToHexStringLower(MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record))), at);
}
