using System.Text;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>
/// Retention through the built CLI: a 1-year default, a HIPAA data class kept 6 years, a 30-day server glob, a
/// legal hold; prune, then verify (and catch tampering with what pruning left).
/// </summary>
public sealed class AuditRetentionCliTests
{
    private const string Config = """
        audit:
          retention:
            default: 365d
            servers: { "scratch-*": 30d }
            dataClasses: { hipaa: 6y }
        servers:
          web: { url: "http://127.0.0.1:9/mcp" }
          ehr: { url: "http://127.0.0.1:9/mcp", dataClass: hipaa }
          scratch-1: { url: "http://127.0.0.1:9/mcp" }
        """;

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    // seq: 1 due (default), 2 held (bob), 3 kept (hipaa, 3 years), 4 due (hipaa, 7 years), 5 due (scratch, 60 days),
    // 6 kept (10 days), 7 due (default, 400 days).
    private static async Task<(SqliteTestLog Log, string Config)> LogAsync()
    {
        var log = await SqliteTestLog.CreateSealedAsync(
        [
            SqliteTestLog.PersonRecord(1, "alice", Now.AddYears(-3), "web"),
            SqliteTestLog.PersonRecord(2, "bob", Now.AddYears(-3), "web"),
            SqliteTestLog.PersonRecord(3, "alice", Now.AddYears(-3), "ehr"),
            SqliteTestLog.PersonRecord(4, "alice", Now.AddYears(-7), "ehr"),
            SqliteTestLog.PersonRecord(5, "carol", Now.AddDays(-60), "scratch-1"),
            SqliteTestLog.PersonRecord(6, "alice", Now.AddDays(-10), "web"),
            SqliteTestLog.PersonRecord(7, "carol", Now.AddDays(-400), "web"),
        ]);
        var config = Path.Combine(log.Directory, "warden.yaml");
        await File.WriteAllTextAsync(config, Config);
        var hold = await WardenCli.RunAsync("audit", "hold", "add", "--subject", "bob", "--reason", "matter 7", "--config", config, "--data", log.Directory);
        Assert.True(hold.ExitCode == 0, hold.ToString());
        return (log, config);
    }

    [Fact]
    public async Task PruneDryRun_SaysWhatIsDueUnderWhichRule_AndChangesNothing()
    {
        var (log, config) = await LogAsync();
        using var _ = log;
        var before = log.RawBytes();

        var result = await WardenCli.RunAsync("audit", "prune", "--dry-run", "--config", config, "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("would prune 4 records (seq 1,4-5,7): 1 under audit.retention.dataClasses.hipaa, 2 under audit.retention.default, "
            + "1 under audit.retention.servers.scratch-*; 1 past retention kept by legal holds", result.Stdout);
        Assert.Equal(0L, log.Scalar("SELECT COUNT(*) FROM audit_records WHERE source = 'pruned'"));
        Assert.Equal(8L, log.Scalar("SELECT COUNT(*) FROM audit_records"));
        Assert.Equal(before.Length, log.RawBytes().Length);
    }

    [Fact]
    public async Task Prune_RemovesContentPastRetention_KeepsHeldAndLongerKeptRecords_AndTheLogVerifies()
    {
        var (log, config) = await LogAsync();
        using var _ = log;

        var prune = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);

        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.StartsWith("pruned 4 records (seq 1,4-5,7)", prune.Stdout);
        Assert.Contains("recorded as seq 9 (audit/prune), checkpoint signed at 9", prune.Stdout);

        var verify = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("intact: 9 records (4 pruned", verify.Stdout);
        Assert.Contains("checkpoint at 9", verify.Stdout);

        // What is left: tombstones in place of 1, 4, 5, 7, every other record whole.
        var export = await WardenCli.RunAsync("audit", "export", "--data", log.Directory);
        var records = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal([1L, 4L, 5L, 7L], records.Where(r => r.Pruned is not null).Select(r => r.Seq));
        Assert.All(records.Where(r => r.Pruned is not null), r => Assert.Equal(log.Records[(int)r.Seq - 1].Hash, r.Hash));
        var pruneRecord = records[8];
        Assert.Equal(AuditLifecycle.Prune, pruneRecord.Input.Method);
        Assert.Equal(["1", "4-5", "7"], pruneRecord.DataAccessed.Select(d => d.Value));

        // The content is gone from the file, not just hidden; what was kept is still there.
        log.CheckpointWal();
        var raw = log.RawBytes();
        foreach (var gone in new[] { 1, 4, 5, 7 })
        {
            var at = raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(SqliteTestLog.Marker(gone)));
            Assert.True(at < 0, $"the content of seq {gone} is still in the file, at byte {at}");
        }

        foreach (var kept in new[] { 2, 3, 6 })
        {
            Assert.True(raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(SqliteTestLog.Marker(kept))) >= 0, $"the content of seq {kept} was lost");
        }

        // The query index (a file of its own) no longer holds what the pruned records touched either.
        Assert.True(File.Exists(log.IndexFile), "the store left a query index beside the log");
        var index = File.ReadAllBytes(log.IndexFile);
        Assert.True(index.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"/srv/{SqliteTestLog.Marker(1)}.txt")) < 0, "the pruned record's data-accessed entry is still in the index file");
        Assert.True(index.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"/srv/{SqliteTestLog.Marker(2)}.txt")) >= 0, "the held record's data-accessed entry was lost from the index");
        var byResource = await WardenCli.RunAsync("audit", "query", "--resource", "file:/srv/*", "--data", log.Directory);
        Assert.Equal(3, byResource.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // Queries see the kept records only; a second prune has nothing to do.
        var query = await WardenCli.RunAsync("audit", "query", "--server", "*", "--data", log.Directory);
        Assert.Equal(3, query.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var again = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);
        Assert.StartsWith("nothing to prune; 1 past retention kept by legal holds", again.Stdout);

        // Releasing the hold lets the next prune take the held record too.
        var id = (await WardenCli.RunAsync("audit", "hold", "list", "--data", log.Directory)).Stdout.Split(' ')[0];
        Assert.Equal(0, (await WardenCli.RunAsync("audit", "hold", "release", id, "--config", config, "--data", log.Directory)).ExitCode);
        var released = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);
        Assert.StartsWith("pruned 1 records (seq 2)", released.Stdout);
        Assert.Equal(0, (await WardenCli.RunAsync("audit", "verify", "--data", log.Directory)).ExitCode);
    }

    [Fact]
    public async Task Prune_WithVacuum_RewritesTheFile_AndTheLogVerifies()
    {
        var (log, config) = await LogAsync();
        using var _ = log;

        var prune = await WardenCli.RunAsync("audit", "prune", "--vacuum", "--config", config, "--data", log.Directory);

        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("vacuumed:", prune.Stdout);
        Assert.True(!File.Exists(log.Database + "-wal") || new FileInfo(log.Database + "-wal").Length == 0, "the WAL was truncated");
        Assert.True(log.RawBytes().AsSpan().IndexOf(Encoding.UTF8.GetBytes(SqliteTestLog.Marker(1))) < 0, "pruned content survived VACUUM");
        var verify = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("intact: 9 records (4 pruned", verify.Stdout);
    }

    [Fact]
    public async Task Verify_AfterPrune_TamperedTombstoneLeaf_ReportsRootMismatch()
    {
        using var log = await PrunedAsync();
        var leaf = TombstoneLeaf(log, 4);
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '{leaf}', '{new string('0', 64)}') AS BLOB) WHERE seq = 4;");

        var result = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("root does not match a signed checkpoint", result.Stdout);
    }

    [Fact]
    public async Task Verify_AfterPrune_TamperedTombstoneHash_ReportsBrokenChain()
    {
        using var log = await PrunedAsync();
        var hash = log.Records[3].Hash;
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '\"hash\":\"{hash}\"', '\"hash\":\"{new string('1', 64)}\"') AS BLOB) WHERE seq = 4;");

        var result = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: first broken record seq 5", result.Stdout);
        Assert.Contains("chain broken", result.Stdout);
    }

    [Fact]
    public async Task Verify_AfterPrune_RemainingRecordEdited_ReportsIt()
    {
        using var log = await PrunedAsync();
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '{SqliteTestLog.Marker(6)}', 'harmless') AS BLOB) WHERE seq = 6;");

        var result = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 6 (id {log.Records[5].Id}), edited", result.Stdout);
    }

    [Fact]
    public async Task Verify_RecordEmptiedIntoATombstoneOutsideWarden_ReportsPrunedOutsideWarden()
    {
        using var log = await PrunedAsync();
        // Hashes and leaf copied faithfully, so the chain and the tree still hold: only the missing prune record shows it.
        var victim = log.Records[5];
        var leaf = Convert.ToHexStringLower(MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(victim)));
        var tombstone = AuditRecord.Tombstone(victim.Seq, victim.Id, victim.Timestamp, victim.PrevHash, victim.Hash, leaf, DateTimeOffset.UtcNow);
        log.Tamper("UPDATE audit_records SET record = $record, source = 'pruned' WHERE seq = 6;", c => c.Parameters.AddWithValue("$record", AuditRecordEncoder.Encode(tombstone)));

        var result = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: first broken record seq 6", result.Stdout);
        Assert.Contains("pruned outside Warden: the content of seq 6 was removed", result.Stdout);
    }

    [Fact]
    public async Task Prune_RecordEditedBeforePruning_IsRefusedAndNothingIsPruned()
    {
        var (log, config) = await LogAsync();
        using var _ = log;
        log.Tamper($"UPDATE audit_records SET record = CAST(replace(CAST(record AS TEXT), '{SqliteTestLog.Marker(4)}', 'harmless') AS BLOB) WHERE seq = 4;");

        var result = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: record seq 4 does not match its stored hash", result.Stdout);
        Assert.Equal(0L, log.Scalar("SELECT COUNT(*) FROM audit_records WHERE source = 'pruned'"));
    }

    [Fact]
    public async Task AppendOnlyTriggers_StillRefuseOrdinaryUpdateAndDelete_AfterPrune()
    {
        using var log = await PrunedAsync();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={log.Database};Pooling=False");
        connection.Open();
        foreach (var sql in new[] { "UPDATE audit_records SET method = 'x' WHERE seq = 6", "DELETE FROM audit_records WHERE seq = 6" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            var refused = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => command.ExecuteNonQuery());
            Assert.Contains("append-only", refused.Message);
        }
    }

    [Theory]
    [InlineData("audit:\n  retention:\n    default: 2h\n", "audit.retention.default: must be a retention period of at least 1d")]
    [InlineData("audit:\n  retention:\n    dataClasses: { hipaa: soon }\n", "audit.retention.dataClasses.hipaa: must be a retention period")]
    [InlineData("audit:\n  retention:\n    keep: 1y\n", "audit.retention.keep: is not a known setting")]
    [InlineData("servers:\n  ehr: { url: \"http://127.0.0.1:9/mcp\", dataClass: hipa }\n", "servers.ehr.dataClass: 'hipa' has no retention rule")]
    public async Task Prune_BadRetentionConfig_ExitsTwoNamingTheProblem(string yaml, string expected)
    {
        using var log = await SqliteTestLog.CreateSealedAsync([SqliteTestLog.PersonRecord(1, "alice", Now.AddYears(-3))]);
        var config = Path.Combine(log.Directory, "bad.yaml");
        await File.WriteAllTextAsync(config, yaml);

        var result = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr);
        Assert.Equal(0L, log.Scalar("SELECT COUNT(*) FROM audit_records WHERE source = 'pruned'"));
    }

    private static async Task<SqliteTestLog> PrunedAsync()
    {
        var (log, config) = await LogAsync();
        var prune = await WardenCli.RunAsync("audit", "prune", "--config", config, "--data", log.Directory);
        Assert.True(prune.ExitCode == 0, prune.ToString());
        return log;
    }

    private static string TombstoneLeaf(SqliteTestLog log, int seq) =>
        AuditRecordDecoder.Decode((byte[])log.Scalar($"SELECT record FROM audit_records WHERE seq = {seq}")!).Pruned!.LeafHash;
}
