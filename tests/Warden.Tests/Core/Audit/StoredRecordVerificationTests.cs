using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;

namespace Warden.Tests.Core.Audit;

/// <summary>
/// Verifying stored bytes without decoding them must reach the same verdict as decoding: records whose nested
/// content holds look-alike fields, escapes and non-canonical bytes are the cases a one-pass reader could get wrong.
/// </summary>
public sealed class StoredRecordVerificationTests : IDisposable
{
    private readonly NoteSigner _signer = NoteSigner.Generate("warden.test/audit");

    public void Dispose() => _signer.Dispose();

    private AuditVerifier Verifier => new([_signer.Verifier], "warden.test/audit");

    private static List<AuditRecord> TrickyLog()
    {
        var records = AuditRecords.Log(6).Select((record, i) => i switch
        {
            // Nested properties named like the top-level fields the reader picks out, and escaped look-alikes in strings.
            1 => record with
            {
                Input = record.Input with { Arguments = JsonNode.Parse("""{"hash":"0000","seq":99,"prev_hash":"x","text":"\"hash\":\"ff\" \\ {[}]"}""") },
                DataAccessed = [new AuditResource { Kind = "file", Value = "/srv/{a}/[b]\"c\"", Attributes = new Dictionary<string, string> { ["hash"] = "deadbeef", ["id"] = "not-the-id" } }],
            },
            3 => record with { Input = record.Input with { Arguments = JsonNode.Parse("""{"emoji":"\uD83D\uDE00","nested":[[[{"deep":[1,2,{"x":null}]}]]]}""") } },
            _ => record,
        }).ToList();

        // Re-chain after the edits, as the store would have placed them.
        var chained = new List<AuditRecord>();
        var prev = AuditRecord.GenesisPrevHash;
        foreach (var record in records)
        {
            var sealedRecord = AuditRecordEncoder.Seal(record with { Hash = "", PrevHash = "" }, record.Seq, prev);
            chained.Add(sealedRecord);
            prev = sealedRecord.Hash;
        }

        return chained;
    }

    private async Task<(AuditVerificationResult Decoded, AuditVerificationResult Stored)> BothAsync(List<AuditRecord> records, IReadOnlyList<byte[]> stored, params string[] checkpoints)
    {
        var decoded = await Verifier.VerifyAsync(AuditRecords.Stream(records), checkpoints, CancellationToken.None);
        var fromBytes = await Verifier.VerifyStoredAsync(AuditRecords.Stream(stored.Select(b => (ReadOnlyMemory<byte>)b)), checkpoints, CancellationToken.None);
        return (decoded, fromBytes);
    }

    [Fact]
    public async Task VerifyStored_LookAlikeNestedFields_IsIntactLikeDecoding()
    {
        var log = TrickyLog();
        var stored = log.Select(AuditRecordEncoder.Encode).ToList();
        var (decoded, fromBytes) = await BothAsync(log, stored, AuditRecords.Checkpoint(log, log.Count, _signer));

        Assert.True(decoded.IsIntact, decoded.Problem);
        Assert.Equal(decoded, fromBytes);
        Assert.Equal(6, fromBytes.RecordsVerified);
    }

    [Fact]
    public async Task VerifyStored_NestedLookAlikeHashEdited_ReportsTheEditedRecord()
    {
        var log = TrickyLog();
        var stored = log.Select(AuditRecordEncoder.Encode).ToList();
        // Change the nested "hash" inside record 2's arguments: the top-level hash stays, so the content no longer matches it.
        var text = Encoding.UTF8.GetString(stored[1]).Replace("\"hash\":\"0000\"", "\"hash\":\"1111\"", StringComparison.Ordinal);
        stored[1] = Encoding.UTF8.GetBytes(text);

        var result = await Verifier.VerifyStoredAsync(AuditRecords.Stream(stored.Select(b => (ReadOnlyMemory<byte>)b)), [], CancellationToken.None);

        Assert.Equal(AuditProblemKind.EditedRecord, result.Kind);
        Assert.Equal(2, result.FirstBrokenSeq);
        Assert.Contains($"id {log[1].Id}", result.Problem);
    }

    [Fact]
    public async Task VerifyStored_WhitespaceAddedToARecord_FallsBackToDecodingAndAgrees()
    {
        var log = TrickyLog();
        var stored = log.Select(AuditRecordEncoder.Encode).ToList();
        // Same JSON value, other bytes: the one-pass reader declines them and the strict decoder judges the content,
        // which is unchanged, so the verdict is the decoder's.
        stored[2] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(stored[2]).Replace(",\"id\":", ", \"id\":", StringComparison.Ordinal));
        Assert.False(stored[2].SequenceEqual(AuditRecordEncoder.Encode(log[2])));

        var (decoded, fromBytes) = await BothAsync(log, stored, AuditRecords.Checkpoint(log, log.Count, _signer));

        Assert.True(fromBytes.IsIntact, fromBytes.Problem);
        Assert.Equal(decoded, fromBytes);
    }

    [Fact]
    public async Task VerifyStored_GarbageBytes_ReportsUnreadableRecord()
    {
        var log = TrickyLog();
        var stored = log.Select(AuditRecordEncoder.Encode).ToList();
        stored[4] = Encoding.UTF8.GetBytes("{\"seq\":5,\"hash\":");

        var result = await Verifier.VerifyStoredAsync(AuditRecords.Stream(stored.Select(b => (ReadOnlyMemory<byte>)b)), [], CancellationToken.None);

        Assert.Equal(AuditProblemKind.EditedRecord, result.Kind);
        Assert.Equal(5, result.FirstBrokenSeq);
        Assert.Contains("cannot be read", result.Problem);
    }
}
