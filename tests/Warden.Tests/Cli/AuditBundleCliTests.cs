using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;
using Warden.Tests.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>
/// `warden audit export --bundle` and `warden audit verify --bundle` (the built CLI): a bundle verifies offline
/// with the exported key, without the database, and every kind of tampering with it is reported with exit 1.
/// </summary>
public sealed class AuditBundleCliTests
{
    [Fact]
    public async Task Bundle_WholeLog_HoldsTheStoredBytesAndVerifiesWithoutTheDatabase()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, key) = await ExportAsync(log);
        var stored = StoredRows(log);

        // Offline: the database is gone; only the bundle and the key the auditor was given remain.
        foreach (var file in Directory.GetFiles(log.Directory, "warden.db*"))
        {
            File.Delete(file);
        }

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("intact: 12 records, checkpoint at 12", result.Stdout);
        Assert.Contains("the whole log, Merkle root rebuilt and matched against 3 signed checkpoint(s); checkpoints trusted from --key", result.Stdout);
        using var zip = ZipFile.OpenRead(bundle);
        Assert.Equal(string.Concat(stored.Select(r => Encoding.UTF8.GetString(r) + "\n")), Text(zip, "records.jsonl"));
        Assert.Equal(["checkpoints/000000000005.txt", "checkpoints/000000000010.txt", "checkpoints/000000000012.txt"],
            zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("checkpoints/", StringComparison.Ordinal)).Order());
        Assert.Contains("warden audit verify --bundle", Text(zip, "README.txt"));
        var manifest = JsonNode.Parse(Text(zip, "manifest.json"))!;
        Assert.Equal(("complete", 12L, 1L, 12L), (manifest["kind"]!.GetValue<string>(), manifest["records"]!["count"]!.GetValue<long>(),
            manifest["records"]!["first_seq"]!.GetValue<long>(), manifest["records"]!["last_seq"]!.GetValue<long>()));
        Assert.Equal("2025-11-24T09:30:12.000000Z", manifest["records"]!["last_timestamp"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Text(zip, "records.jsonl")))),
            manifest["files"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "records.jsonl")!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bundle_RecordEdited_ReportsTheFirstBrokenRecord()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, key) = await ExportAsync(log);
        Rewrite(bundle, "records.jsonl", text => text.Replace(SqliteTestLog.Marker(4), "harmless", StringComparison.Ordinal));

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 4 (id {log.Records[3].Id}), edited: record seq 4 (id {log.Records[3].Id}) was edited", result.Stdout);
        Assert.Contains($"checked before stopping: 3 records by hash and chain, none yet against a signed checkpoint; bundle {bundle}", result.Stdout);
    }

    [Fact]
    public async Task Bundle_RecordDropped_ReportsTheMissingSeq()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, key) = await ExportAsync(log);
        Rewrite(bundle, "records.jsonl", text => string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i != 3).Select(l => l + "\n")));

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 4 (the record in its place is seq 5, id {log.Records[4].Id}), records missing: seq 4 is missing", result.Stdout);
    }

    [Fact]
    public async Task Bundle_CheckpointRootReplaced_ReportsForgedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, key) = await ExportAsync(log);
        var other = Convert.ToBase64String(MerkleHash.Root(log.Records.Take(9).Select(r => MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(r)))));
        Rewrite(bundle, "checkpoints/000000000010.txt", note => note.Split('\n') is var lines ? string.Join('\n', lines.Select((l, i) => i == 2 ? other : l)) : note);

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: forged checkpoint (the one claiming tree size 10): checkpoint 2 does not verify", result.Stdout);
    }

    [Fact]
    public async Task Bundle_ManifestEdited_ReportsTheMismatch()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, key) = await ExportAsync(log);
        Rewrite(bundle, "manifest.json", text => text.Replace("\"count\": 12", "\"count\": 11", StringComparison.Ordinal));
        var (other, _) = await ExportAsync(log, "other.zip");
        Rewrite(other, "README.txt", text => text + "\nextra line\n");

        var count = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);
        var readme = await WardenCli.RunAsync("audit", "verify", "--bundle", other, "--key", key);

        Assert.True(count.ExitCode == 1, count.ToString());
        Assert.StartsWith("broken: the manifest does not match the bundle: the manifest says 11 records (seq 1..12", count.Stdout);
        Assert.True(readme.ExitCode == 1, readme.ToString());
        Assert.StartsWith("broken: the manifest does not match the bundle: README.txt has SHA-256", readme.Stdout);
    }

    [Fact]
    public async Task Bundle_SignedByAnotherKey_ReportsForgedCheckpoint()
    {
        using var log = await SqliteTestLog.CreateAsync();
        var (bundle, _) = await ExportAsync(log);
        using var stranger = NoteSigner.Generate(SqliteTestLog.Origin);

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", stranger.Verifier.VerifierKey);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: forged checkpoint", result.Stdout);
    }

    [Fact]
    public async Task Bundle_FilteredSelection_VerifiesThroughInclusionProofs()
    {
        using var log = await LogWithTwoUsersAsync();
        var (bundle, key) = await ExportAsync(log, "bob.zip", "--user", "bob");

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("intact: 3 records, checkpoint at 18", result.Stdout);
        Assert.Contains("3 selected records, each proven by an inclusion proof against the signed checkpoint of size 18, 4 earlier checkpoint(s) proven consistent with it", result.Stdout);
        using var zip = ZipFile.OpenRead(bundle);
        var seqs = Text(zip, "records.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(l)).Seq);
        Assert.Equal([13L, 15L, 17L], seqs);
        Assert.Equal(3, Text(zip, "proofs/inclusion.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var manifest = JsonNode.Parse(Text(zip, "manifest.json"))!;
        Assert.Equal(("subset", "bob"), (manifest["kind"]!.GetValue<string>(), manifest["filters"]!["user"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Bundle_FilteredRecordResealed_IsNotProvenByTheCheckpoint()
    {
        using var log = await LogWithTwoUsersAsync();
        var (bundle, key) = await ExportAsync(log, "bob.zip", "--user", "bob");
        // A careful forger edits record 15 and recomputes its hash: the record is self-consistent, but its leaf is not in the signed tree.
        var forged = AuditRecordEncoder.Seal(log.Records[14] with { Input = log.Records[14].Input with { Name = "covered-up" } }, 15, log.Records[13].Hash);
        Rewrite(bundle, "records.jsonl", text => text.Replace(Encoding.UTF8.GetString(AuditRecordEncoder.Encode(log.Records[14])), Encoding.UTF8.GetString(AuditRecordEncoder.Encode(forged)), StringComparison.Ordinal));

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"broken: first broken record seq 15 (id {log.Records[14].Id}), not proven by the signed checkpoint: record seq 15", result.Stdout);
        Assert.Contains("is not in the tree the signed checkpoint of size 18 signs", result.Stdout);
    }

    [Fact]
    public async Task Bundle_FilteredRecordDropped_ReportsItMissing()
    {
        using var log = await LogWithTwoUsersAsync();
        var (bundle, key) = await ExportAsync(log, "bob.zip", "--user", "bob");
        Rewrite(bundle, "records.jsonl", text => string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where((_, i) => i != 1).Select(l => l + "\n")));

        var result = await WardenCli.RunAsync("audit", "verify", "--bundle", bundle, "--key", key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("broken: first broken record seq 15 (no record there), records missing: seq 15 is missing: its inclusion proof is in the bundle", result.Stdout);
    }

    [Fact]
    public async Task Verify_BundleThatIsNoZip_ExitsTwo()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 1);
        var notZip = Path.Combine(log.Directory, "not-a.zip");
        await File.WriteAllTextAsync(notZip, "hello");

        var garbage = await WardenCli.RunAsync("audit", "verify", "--bundle", notZip);
        var missing = await WardenCli.RunAsync("audit", "verify", "--bundle", Path.Combine(log.Directory, "absent.zip"));
        var formatAndBundle = await WardenCli.RunAsync("audit", "export", "--bundle", Path.Combine(log.Directory, "x.zip"), "--format", "csv", "--data", log.Directory);

        Assert.True(garbage.ExitCode == 2, garbage.ToString());
        Assert.Contains("as a zip", garbage.Stderr);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("There is no bundle at", missing.Stderr);
        Assert.True(formatAndBundle.ExitCode == 2, formatAndBundle.ToString());
        Assert.False(File.Exists(Path.Combine(log.Directory, "x.zip")));
    }

    /// <summary>Exports a bundle into the log's directory and saves the exported public key beside it, as an auditor receives them.</summary>
    private static async Task<(string Bundle, string Key)> ExportAsync(SqliteTestLog log, string name = "audit.zip", params string[] filters)
    {
        var bundle = Path.Combine(log.Directory, name);
        var export = await WardenCli.RunAsync(["audit", "export", "--bundle", bundle, "--data", log.Directory, .. filters]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.StartsWith($"wrote {bundle}: ", export.Stdout);
        var key = await WardenCli.RunAsync("audit", "key", "--data", log.Directory);
        Assert.True(key.ExitCode == 0, key.ToString());
        var keyFile = Path.Combine(log.Directory, "auditor-" + name + ".pub");
        await File.WriteAllTextAsync(keyFile, key.Stdout);
        return (bundle, keyFile);
    }

    /// <summary>12 records of alice (checkpoints 5, 10, 12), then 6 alternating bob and alice (checkpoints 15, 18).</summary>
    private static async Task<SqliteTestLog> LogWithTwoUsersAsync()
    {
        var log = await SqliteTestLog.CreateAsync();
        using var keys = log.Keys();
        await using (var store = await log.OpenStoreAsync(keys))
        {
            for (var n = 13; n <= 18; n++)
            {
                var record = SqliteTestLog.Record(n);
                var placed = await store.AppendAsync(n % 2 == 1 ? record with { User = record.User with { Subject = "bob" } } : record, CancellationToken.None);
                log.Records.Add(placed.Record ?? throw new InvalidOperationException(placed.Error));
            }
        }

        return log;
    }

    private static List<byte[]> StoredRows(SqliteTestLog log)
    {
        using var connection = new SqliteConnection($"Data Source={log.Database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT record FROM audit_records ORDER BY seq";
        using var reader = command.ExecuteReader();
        var rows = new List<byte[]>();
        while (reader.Read())
        {
            rows.Add((byte[])reader.GetValue(0));
        }

        return rows;
    }

    private static string Text(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // Replaces one file of the zip (as anyone holding the bundle could), leaving the others untouched.
    private static void Rewrite(string bundle, string name, Func<string, string> change)
    {
        using var zip = ZipFile.Open(bundle, ZipArchiveMode.Update);
        var entry = zip.GetEntry(name)!;
        string text;
        using (var reader = new StreamReader(entry.Open(), Encoding.UTF8))
        {
            text = reader.ReadToEnd();
        }

        var changed = change(text);
        Assert.NotEqual(text, changed);
        entry.Delete();
        using var writer = zip.CreateEntry(name).Open();
        writer.Write(Encoding.UTF8.GetBytes(changed));
    }
}
