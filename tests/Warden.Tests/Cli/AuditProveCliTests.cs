using System.Text;
using System.Text.Json;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>`warden audit prove` and `checkpoint`: what they print verifies independently of the CLI.</summary>
public sealed class AuditProveCliTests
{
    [Fact]
    public async Task Prove_Record_PrintsAnInclusionProofThatVerifiesAgainstTheSignedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var target = log.Records[6];

        var result = await WardenCli.RunAsync("audit", "prove", "--record", target.Id, "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        // The record as printed is the stored record; its leaf is recomputed here, not taken from the output.
        var record = AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(root.GetProperty("record").GetRawText()));
        Assert.Equal(target, record, AuditRecordComparer);
        var leaf = MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(record));
        var leafIndex = root.GetProperty("leaf_index").GetInt64();
        var treeSize = root.GetProperty("tree_size").GetInt64();
        var proof = root.GetProperty("proof").EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!)).ToList();
        using var keys = log.Keys();
        var checkpoint = Checkpoint.Open(root.GetProperty("checkpoint").GetString()!, keys.GetVerifiers(), SqliteTestLog.Origin);
        Assert.True(checkpoint.IsVerified, checkpoint.Problem);

        Assert.Equal(6, leafIndex);
        Assert.Equal(12, treeSize);
        Assert.Equal(treeSize, checkpoint.Checkpoint!.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(leaf), root.GetProperty("leaf_hash").GetString());
        Assert.True(MerkleProof.VerifyInclusion(leafIndex, treeSize, leaf, proof, checkpoint.Checkpoint.RootHash));
        // And it is a proof of this record only: another record's leaf does not verify with it.
        var other = MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(log.Records[7]));
        Assert.False(MerkleProof.VerifyInclusion(leafIndex, treeSize, other, proof, checkpoint.Checkpoint.RootHash));
    }

    [Fact]
    public async Task Prove_EditedRecord_RefusesToPrintAProof()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '{SqliteTestLog.Marker(3)}', 'nothing') AS BLOB) WHERE seq = 3;");

        var result = await WardenCli.RunAsync("audit", "prove", "--record", log.Records[2].Id, "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: record seq 3 (id {log.Records[2].Id}) was edited", result.Stdout);
    }

    [Fact]
    public async Task Prove_UnknownRecord_ExitsTwo()
    {
        using var log = await SqliteTestLog.CreateAsync();

        var result = await WardenCli.RunAsync("audit", "prove", "--record", "no-such-id", "--data", log.Directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("No record with id 'no-such-id'", result.Stderr);
    }

    [Fact]
    public async Task Checkpoint_PrintsTheLatestSignedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();

        var result = await WardenCli.RunAsync("audit", "checkpoint", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var keys = log.Keys();
        var opened = Checkpoint.Open(result.Stdout, keys.GetVerifiers(), SqliteTestLog.Origin);
        Assert.True(opened.IsVerified, opened.Problem);
        Assert.Equal(12, opened.Checkpoint!.TreeSize);
        Assert.Equal(MerkleHash.Root(log.Records.Select(r => MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(r)))), opened.Checkpoint.RootHash);
    }

    [Fact]
    public async Task Key_PrintsOnlyThePublicVerifierKey()
    {
        using var log = await SqliteTestLog.CreateAsync();

        var result = await WardenCli.RunAsync("audit", "key", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var privateKey = (await File.ReadAllTextAsync(Path.Combine(log.Directory, AuditKeyStore.SigningKeyFileName))).Trim();
        Assert.DoesNotContain(privateKey, result.Stdout + result.Stderr);
        Assert.DoesNotContain("PRIVATE", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(NoteVerifier.TryParse(result.Stdout.Trim(), out var key));
        Assert.Equal(SqliteTestLog.Origin, key.Name);
    }

    private static readonly IEqualityComparer<AuditRecord> AuditRecordComparer = EqualityComparer<AuditRecord>.Create(
        (a, b) => a is not null && b is not null && AuditRecordEncoder.Encode(a).AsSpan().SequenceEqual(AuditRecordEncoder.Encode(b)),
        r => r.Hash.GetHashCode(StringComparison.Ordinal));
}
