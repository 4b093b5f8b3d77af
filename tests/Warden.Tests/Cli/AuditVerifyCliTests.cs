using System.Text;
using Warden.Core.Audit;
using Warden.Tests.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>
/// `warden audit verify` (the built CLI, as a child process) on a real log whose SQLite file was tampered with
/// underneath: 12 records, checkpoints at 5, 10 and 12 (shutdown).
/// </summary>
public sealed class AuditVerifyCliTests
{
    private static Task<CliResult> VerifyAsync(SqliteTestLog log, params string[] extra) =>
        WardenCli.RunAsync(["audit", "verify", "--data", log.Directory, .. extra]);

    [Fact]
    public async Task Verify_UntouchedLog_ExitsZeroAndReportsIntact()
    {
        using var log = await SqliteTestLog.CreateAsync();

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("intact: 12 records, checkpoint at 12", result.Stdout);
    }

    [Fact]
    public async Task Verify_RecordJsonEdited_ReportsFirstBrokenRecord()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '{SqliteTestLog.Marker(4)}', 'harmless') AS BLOB) WHERE seq = 4;");

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 4 (id {log.Records[3].Id}), edited: record seq 4 (id {log.Records[3].Id}) was edited", result.Stdout);
        Assert.Contains("checked before stopping: 3 records by hash and chain, none yet against a signed checkpoint", result.Stdout);
    }

    [Fact]
    public async Task Verify_RecordDeleted_ReportsTheMissingSeq()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.Tamper("DELETE FROM audit_records WHERE seq = 4;");

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 4 (the record in its place is seq 5, id {log.Records[4].Id}), records missing: seq 4 is missing", result.Stdout);
    }

    [Fact]
    public async Task Verify_ForgedRecordInsertedAndLaterRecordsRenumbered_ReportsDuplicateSeq()
    {
        using var log = await SqliteTestLog.CreateAsync();
        // A well-formed record sealed onto seq 5, slipped in at 6; the real 6..12 move up one.
        var forged = AuditRecordEncoder.Seal(SqliteTestLog.Record(99), 6, log.Records[4].Hash);
        log.Tamper("UPDATE audit_records SET seq = seq + 1000 WHERE seq >= 6; UPDATE audit_records SET seq = seq - 999 WHERE seq >= 1000;");
        log.InsertRows([forged]);

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: first broken record seq 7 (the record in its place is seq 6", result.Stdout);
        Assert.Contains("seq 6 appears twice", result.Stdout);
    }

    [Fact]
    public async Task Verify_ForgedRecordInsertedAndChainRewritten_ReportsRootMismatchAtTheCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        // The careful attacker re-seals every later record so the hash chain holds; only the signed root catches it.
        var rewritten = AuditRecords.Rechain([.. log.Records.Take(5), SqliteTestLog.Record(99), .. log.Records.Skip(5)], 5);
        log.ReplaceRows(6, rewritten.Skip(5));

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 6 (id {rewritten[5].Id}), root does not match a signed checkpoint", result.Stdout);
        Assert.Contains("the signed checkpoint for size 10 says", result.Stdout);
    }

    [Fact]
    public async Task Verify_TwoRecordsSwapped_ReportsTheFirstOutOfPlace()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.Tamper("UPDATE audit_records SET seq = -3 WHERE seq = 3; UPDATE audit_records SET seq = 3 WHERE seq = 4; UPDATE audit_records SET seq = 4 WHERE seq = -3;");

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 3 (the record in its place is seq 4, id {log.Records[3].Id}), records missing", result.Stdout);
    }

    [Fact]
    public async Task Verify_TailDeletedButCheckpointsKept_ReportsTruncatedTail()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.Tamper("DELETE FROM audit_records WHERE seq > 10;");

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: first broken record seq 11 (no record there), tail truncated: the log ends at seq 10 but a signed checkpoint covers 12 records", result.Stdout);
    }

    [Fact]
    public async Task Verify_TailDeletedWithItsCheckpoints_IsCaughtAgainstASavedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var saved = await SaveCheckpointAsync(log);
        log.Tamper("DELETE FROM audit_records WHERE seq > 7; DELETE FROM audit_checkpoints WHERE tree_size > 5;");

        // What is left is a consistent shorter log: nothing inside the file can show the cut...
        var alone = await VerifyAsync(log);
        Assert.True(alone.ExitCode == 0, alone.ToString());
        Assert.StartsWith("intact: 7 records, checkpoint at 5", alone.Stdout);
        Assert.Contains("seq 6..7 come after the last signed checkpoint", alone.Stdout);

        // ...but the checkpoint an auditor saved earlier does.
        var result = await VerifyAsync(log, "--from", saved);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("broken: not consistent with the saved checkpoint (size 12", result.Stdout);
        Assert.Contains("the log's latest signed checkpoint covers 5, and it holds 7 records: seq 8..12 were removed from the tail", result.Stdout);
    }

    [Fact]
    public async Task Verify_CheckpointSignedByAnotherKey_ReportsForgedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        using var attacker = NoteSigner.Generate(SqliteTestLog.Origin);
        log.InsertCheckpoint(7, SqliteTestLog.SignCheckpoint(log.Records, 7, attacker));

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: forged checkpoint (the one claiming tree size 7): checkpoint 2 does not verify: no signature from a trusted key", result.Stdout);
    }

    [Fact]
    public async Task Verify_CheckpointRootReplacedUnderItsSignature_ReportsForgedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var original = Convert.ToBase64String(Root(log.Records, 10));
        var other = Convert.ToBase64String(Root(log.Records, 9));
        log.Tamper($"UPDATE audit_checkpoints SET note = replace(note, '{original}', '{other}') WHERE tree_size = 10;");

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: forged checkpoint (the one claiming tree size 10): checkpoint 2 does not verify", result.Stdout);
    }

    [Fact]
    public async Task Verify_WellFormedCheckpointWithWrongRoot_ReportsRootMismatchNamingIt()
    {
        using var log = await SqliteTestLog.CreateAsync();
        // Signed with the log's own key (as a stolen key or a forked log would be): only the root is wrong.
        using (var keys = log.Keys())
        {
            log.InsertCheckpoint(7, SqliteTestLog.SignCheckpoint(log.Records, 7, keys.GetSigner(), root: Root(log.Records, 6)));
        }

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 6 (id {log.Records[5].Id}), root does not match a signed checkpoint", result.Stdout);
        Assert.Contains("the signed checkpoint for size 7 says", result.Stdout);
    }

    [Fact]
    public async Task Verify_ByteFlippedInTheRawFile_ReportsTheRecordItLandedIn()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.CheckpointWal();
        var bytes = await File.ReadAllBytesAsync(log.Database);
        var at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(SqliteTestLog.Marker(9)));
        Assert.True(at > 0, "the marker of record 9 is in the file");
        bytes[at] ^= 0x20; // 's' becomes 'S': still valid JSON, no longer what was hashed.
        await File.WriteAllBytesAsync(log.Database, bytes);

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 9 (id {log.Records[8].Id}), edited", result.Stdout);
    }

    [Fact]
    public async Task Verify_FileHeaderDestroyed_ReportsDamagedDatabase()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.CheckpointWal();
        var bytes = await File.ReadAllBytesAsync(log.Database);
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(log.Database, bytes);

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: the database file is damaged", result.Stdout);
    }

    [Fact]
    public async Task VerifyFrom_LogThatOnlyGrew_ProvesConsistency()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var saved = await SaveCheckpointAsync(log);
        await log.AppendAsync(7);

        var result = await VerifyAsync(log, "--from", saved);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("intact: 19 records, checkpoint at 19", result.Stdout);
        Assert.Contains("consistent: the log only grew since the saved checkpoint (size 12 -> 19", result.Stdout);
    }

    [Fact]
    public async Task VerifyFrom_LogRewrittenAndResignedAfterTheSavedCheckpoint_IsBroken()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var saved = await SaveCheckpointAsync(log);
        // An attacker holding the signing key edits record 3, re-seals everything after it and re-signs every
        // checkpoint: the file is self-consistent again.
        var rewritten = AuditRecords.Rechain([.. log.Records.Take(2), log.Records[2] with { Input = log.Records[2].Input with { Name = "covered-up" } }, .. log.Records.Skip(3)], 2);
        log.ReplaceRows(3, rewritten.Skip(2));
        log.Tamper("DELETE FROM audit_checkpoints;");
        using (var keys = log.Keys())
        {
            foreach (var size in new[] { 5, 10, 12 })
            {
                log.InsertCheckpoint(size, SqliteTestLog.SignCheckpoint(rewritten, size, keys.GetSigner()));
            }
        }

        var alone = await VerifyAsync(log);
        Assert.True(alone.ExitCode == 0, alone.ToString());

        var result = await VerifyAsync(log, "--from", saved);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("broken: not consistent with the saved checkpoint (size 12", result.Stdout);
        Assert.Contains("was rewritten after it was saved", result.Stdout);
    }

    [Fact]
    public async Task Verify_WithTheExportedKey_TrustsOnlyThatKey()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var key = await WardenCli.RunAsync("audit", "key", "--data", log.Directory);
        Assert.True(key.ExitCode == 0, key.ToString());
        using (var keys = log.Keys())
        {
            Assert.Equal(keys.ExportVerifierKey(), key.Stdout.Trim());
        }

        // As an auditor keeps it: the printed keys in a file of their own.
        var keyFile = Path.Combine(log.Directory, "auditor-warden-audit.pub");
        await File.WriteAllTextAsync(keyFile, key.Stdout);
        var trusted = await VerifyAsync(log, "--key", keyFile);
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Contains("checkpoints trusted from --key", trusted.Stdout);

        using var stranger = NoteSigner.Generate(SqliteTestLog.Origin);
        var untrusted = await VerifyAsync(log, "--key", stranger.Verifier.VerifierKey);
        Assert.True(untrusted.ExitCode == 1, untrusted.ToString());
        Assert.StartsWith("broken: forged checkpoint", untrusted.Stdout);
    }

    [Fact]
    public async Task Verify_NoDatabase_ExitsTwoSayingWhatToDo()
    {
        var empty = Directory.CreateTempSubdirectory("warden-audit-cli-").FullName;

        var result = await WardenCli.RunAsync("audit", "verify", "--data", empty);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"There is no audit log at '{Path.Combine(empty, "warden.db")}'", result.Stderr);
        Assert.Contains("--data DIR", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    [Fact]
    public async Task Verify_UnknownOption_ExitsTwo()
    {
        var result = await WardenCli.RunAsync("audit", "verify", "--no-such-option");

        Assert.True(result.ExitCode == 2, result.ToString());
    }

    [Fact]
    public async Task Verify_OnAStoppedLog_ChangesNoFileItHolds()
    {
        using var log = await SqliteTestLog.CreateAsync();
        log.CheckpointWal();
        var before = Snapshot(log.Directory);

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 0, result.ToString());
        var after = Snapshot(log.Directory);
        Assert.Equal(before, after.Where(f => before.ContainsKey(f.Key)).ToDictionary());
        // A read-only SQLite reader of a WAL database may leave its index file and an empty WAL beside it
        // (as a running Warden does); the log itself, the keys and any new record are untouched.
        Assert.All(after.Keys.Except(before.Keys), name => Assert.Contains(name, new[] { "warden.db-wal", "warden.db-shm" }));
        Assert.True(!File.Exists(log.Database + "-wal") || new FileInfo(log.Database + "-wal").Length == 0);
    }

    [Fact]
    public async Task Verify_WhileTheStoreIsWriting_ReadsTheCommittedLog()
    {
        using var log = await SqliteTestLog.CreateAsync();
        using var keys = log.Keys();
        await using var store = await log.OpenStoreAsync(keys, checkpointEvery: 1000);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await store.AppendAsync(SqliteTestLog.Record(100 + i), CancellationToken.None)).Succeeded);
        }

        var result = await VerifyAsync(log);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("intact: 15 records, checkpoint at 12", result.Stdout);
        // The writer is unaffected by the reader that came and went.
        Assert.True((await store.AppendAsync(SqliteTestLog.Record(200), CancellationToken.None)).Succeeded);
    }

    private static async Task<string> SaveCheckpointAsync(SqliteTestLog log)
    {
        var checkpoint = await WardenCli.RunAsync("audit", "checkpoint", "--data", log.Directory);
        Assert.True(checkpoint.ExitCode == 0, checkpoint.ToString());
        // Any file the auditor keeps; inside the test's directory only so it is cleaned up with it.
        var path = Path.Combine(log.Directory, "auditor-saved-checkpoint.txt");
        await File.WriteAllTextAsync(path, checkpoint.Stdout);
        return path;
    }

    private static byte[] Root(IReadOnlyList<AuditRecord> records, int size)
    {
        var tree = new CompactMerkleTree();
        foreach (var record in records.Take(size))
        {
            tree.AppendData(AuditRecordEncoder.Canonicalize(record));
        }

        return tree.Root();
    }

    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
}
