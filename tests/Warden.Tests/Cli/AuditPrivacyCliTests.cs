using System.Text;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>
/// GDPR crypto-shredding through the built CLI on a real SQLite log written as `warden serve` writes it (personal
/// fields sealed per data subject): forget, subject-access reports, and what the file holds afterwards.
/// </summary>
public sealed class AuditPrivacyCliTests
{
    private static readonly DateTimeOffset Recent = DateTimeOffset.UtcNow.AddDays(-1);

    private static Task<SqliteTestLog> AliceAndBobAsync(bool encryptContent = false) => SqliteTestLog.CreateSealedAsync(
    [
        SqliteTestLog.PersonRecord(1, "alice", Recent),
        SqliteTestLog.PersonRecord(2, "bob", Recent),
        SqliteTestLog.PersonRecord(3, "alice", Recent),
        SqliteTestLog.PersonRecord(4, "bob", Recent),
    ], encryptContent);

    [Fact]
    public async Task Store_SealsIdentities_NoSubjectOrNameIsInTheFileInClear()
    {
        using var log = await AliceAndBobAsync();
        log.CheckpointWal();

        var raw = log.RawBytes();

        foreach (var clear in new[] { "alice", "bob", "Example" })
        {
            Assert.True(raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(clear)) < 0, $"'{clear}' is in the database file in clear");
        }

        // Records hold pseudonyms; the same subject has the same one.
        Assert.StartsWith("psn-", log.Records[0].User.Subject);
        Assert.Equal(log.Records[0].User.Subject, log.Records[2].User.Subject);
        Assert.NotEqual(log.Records[0].User.Subject, log.Records[1].User.Subject);
    }

    [Fact]
    public async Task Query_ByUser_FindsThatSubjectsRecordsDecrypted()
    {
        using var log = await AliceAndBobAsync();

        var result = await WardenCli.RunAsync("audit", "query", "--user", "alice", "--format", "jsonl", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var records = Lines(result.Stdout).Select(Decode).ToList();
        Assert.Equal([3L, 1L], records.Select(r => r.Seq));
        Assert.All(records, r => Assert.Equal("alice", r.User.Subject));
        Assert.All(records, r => Assert.Equal("alice Example", r.User.DisplayName));
        Assert.Null(records[0].Sealed);
    }

    [Fact]
    public async Task Forget_Subject_KeyIsDestroyed_RecordsStayAndVerify_FieldsReadErased_OthersUnaffected()
    {
        using var log = await AliceAndBobAsync();
        var pseudonym = log.Records[0].User.Subject;
        var wrapped = (byte[])log.Scalar("SELECT wrapped FROM audit_subject_keys WHERE pseudonym = $p", c => c.Parameters.AddWithValue("$p", pseudonym))!;
        var lookup = (byte[])log.Scalar("SELECT lookup FROM audit_subject_keys WHERE pseudonym = $p", c => c.Parameters.AddWithValue("$p", pseudonym))!;
        log.CheckpointWal();
        Assert.True(log.RawBytes().AsSpan().IndexOf(wrapped) >= 0, "the wrapped key is in the file before forget");

        var forget = await WardenCli.RunAsync("audit", "forget", "--subject", "alice", "--reason", "GDPR request 42", "--data", log.Directory);

        Assert.True(forget.ExitCode == 0, forget.ToString());
        Assert.StartsWith($"erased: the key of subject 'alice' is destroyed (pseudonym {pseudonym})", forget.Stdout);

        // The log still verifies, with the erasure as its newest record.
        var verify = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("intact: 5 records, checkpoint at 5", verify.Stdout);

        // The key's bytes are gone from the file and its WAL, not just unlinked.
        var raw = log.RawBytes();
        Assert.True(raw.AsSpan().IndexOf(wrapped) < 0, "the destroyed key's wrapped bytes are still in the database file");
        Assert.True(raw.AsSpan().IndexOf(lookup) < 0, "the destroyed key's lookup value is still in the database file");
        Assert.Equal(1L, log.Scalar("SELECT COUNT(*) FROM audit_subject_keys WHERE pseudonym = $p", c => c.Parameters.AddWithValue("$p", log.Records[1].User.Subject)));

        // Alice's records read as erased; Bob's are untouched.
        var all = await WardenCli.RunAsync("audit", "query", "--format", "jsonl", "--data", log.Directory);
        Assert.True(all.ExitCode == 0, all.ToString());
        var records = Lines(all.Stdout).Select(Decode).OrderBy(r => r.Seq).ToList();
        Assert.Equal(5, records.Count);
        foreach (var seq in new[] { 1, 3 })
        {
            Assert.Equal(AuditRecordSealer.Erased, records[seq - 1].User.Subject);
            Assert.Equal(AuditRecordSealer.Erased, records[seq - 1].User.DisplayName);
            Assert.Equal(log.Records[seq - 1].Hash, records[seq - 1].Hash);
        }

        Assert.Equal(["bob", "bob"], new[] { records[1].User.Subject, records[3].User.Subject });
        Assert.Equal("bob Example", records[1].User.DisplayName);

        // The erasure record names the pseudonym, never the subject.
        var erasure = records[4];
        Assert.Equal(AuditLifecycle.Forget, erasure.Input.Method);
        Assert.Equal(pseudonym, erasure.Input.Arguments!["pseudonym"]!.GetValue<string>());
        Assert.Equal("GDPR request 42", erasure.Input.Arguments!["reason"]!.GetValue<string>());
        var stored = await WardenCli.RunAsync("audit", "export", "--data", log.Directory);
        Assert.DoesNotContain("alice", stored.Stdout);

        // Nobody is found under the erased subject any more; CSV shows the marker too.
        var byUser = await WardenCli.RunAsync("audit", "query", "--user", "alice", "--data", log.Directory);
        Assert.True(byUser.ExitCode == 0 && byUser.Stdout.Length == 0, byUser.ToString());
        var csv = await WardenCli.RunAsync("audit", "export", "--format", "csv", "--data", log.Directory);
        Assert.StartsWith($"1,{log.Records[0].Id},", Lines(csv.Stdout)[1]);
        Assert.Contains(",[erased],developer,oidc,", Lines(csv.Stdout)[1]);
    }

    [Fact]
    public async Task Forget_WithContentEncryption_ArgumentsAndOutputReadErasedToo()
    {
        using var log = await AliceAndBobAsync(encryptContent: true);
        log.CheckpointWal();
        // Arguments and results are sealed; data-accessed entries are not (they name what was touched, for queries).
        Assert.True(log.RawBytes().AsSpan().IndexOf(Encoding.UTF8.GetBytes($"\"query\":\"{SqliteTestLog.Marker(1)}\"")) < 0, "sealed arguments are in the file in clear");
        Assert.True(log.RawBytes().AsSpan().IndexOf(Encoding.UTF8.GetBytes($"result {SqliteTestLog.Marker(1)}")) < 0, "sealed output is in the file in clear");
        var before = Lines((await WardenCli.RunAsync("audit", "query", "--user", "alice", "--format", "jsonl", "--data", log.Directory)).Stdout).Select(Decode).Last();
        Assert.Equal(SqliteTestLog.Marker(1), before.Input.Arguments!["query"]!.GetValue<string>());
        Assert.Equal($"result {SqliteTestLog.Marker(1)}", before.Output!.Content);

        var forget = await WardenCli.RunAsync("audit", "forget", "--subject", "alice", "--data", log.Directory);

        Assert.True(forget.ExitCode == 0, forget.ToString());
        Assert.Equal(0, (await WardenCli.RunAsync("audit", "verify", "--data", log.Directory)).ExitCode);
        var after = Lines((await WardenCli.RunAsync("audit", "query", "--format", "jsonl", "--data", log.Directory)).Stdout).Select(Decode).Single(r => r.Seq == 1);
        Assert.Equal(AuditRecordSealer.Erased, after.Input.Arguments!.GetValue<string>());
        Assert.Equal(AuditRecordSealer.Erased, after.Output!.Content);
        Assert.Equal(AuditRecordSealer.Erased, after.Output.ContentSha256);
        var bob = Lines((await WardenCli.RunAsync("audit", "query", "--user", "bob", "--format", "jsonl", "--data", log.Directory)).Stdout).Select(Decode).Last();
        Assert.Equal(SqliteTestLog.Marker(2), bob.Input.Arguments!["query"]!.GetValue<string>());
    }

    [Fact]
    public async Task SubjectAccess_Report_HoldsTheirRecordsDecryptedKeyCreationAndHolds()
    {
        using var log = await AliceAndBobAsync();
        var hold = await WardenCli.RunAsync("audit", "hold", "add", "--subject", "alice", "--reason", "matter 2026-14", "--data", log.Directory);
        Assert.True(hold.ExitCode == 0, hold.ToString());
        var path = Path.Combine(log.Directory, "alice-report.json");

        var result = await WardenCli.RunAsync("audit", "report", "subject-access", "--subject", "alice", "--out", path, "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("3 record(s)", result.Stdout);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var report = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.Equal("alice", report["subject"]!.GetValue<string>());
        Assert.Equal(log.Records[0].User.Subject, report["pseudonym"]!.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(report["key_created"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal("matter 2026-14", report["holds"]![0]!["reason"]!.GetValue<string>());
        var records = report["records"]!.AsArray().Select(r => Decode(r!.ToJsonString())).ToList();
        Assert.Equal(3, report["record_count"]!.GetValue<int>());
        // Her two actions, decrypted, and the hold record that names her pseudonym; nothing of Bob's.
        Assert.Equal([1L, 3L, 5L], records.Select(r => r.Seq));
        Assert.All(records.Take(2), r => Assert.Equal("alice Example", r.User.DisplayName));
        Assert.Equal(AuditLifecycle.HoldAdd, records[2].Input.Method);
    }

    [Fact]
    public async Task Forget_HeldSubject_IsRefusedWithExitTwo_UntilTheHoldIsReleased()
    {
        using var log = await AliceAndBobAsync();
        var hold = await WardenCli.RunAsync("audit", "hold", "add", "--subject", "alice", "--reason", "litigation", "--data", log.Directory);
        var id = hold.Stdout.Split(' ')[0];
        Assert.StartsWith("hold-", id);

        var refused = await WardenCli.RunAsync("audit", "forget", "--subject", "alice", "--data", log.Directory);

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"Subject 'alice' is under legal hold {id} (litigation)", refused.Stderr);
        var list = await WardenCli.RunAsync("audit", "hold", "list", "--data", log.Directory);
        Assert.Contains($"{id}  subject  alice ({log.Records[0].User.Subject})", list.Stdout);

        var release = await WardenCli.RunAsync("audit", "hold", "release", id, "--reason", "settled", "--data", log.Directory);
        Assert.True(release.ExitCode == 0, release.ToString());
        var forget = await WardenCli.RunAsync("audit", "forget", "--subject", "alice", "--data", log.Directory);
        Assert.True(forget.ExitCode == 0, forget.ToString());

        // The released hold stays in the register; the subject it named now reads as erased there too.
        var all = await WardenCli.RunAsync("audit", "hold", "list", "--all", "--data", log.Directory);
        Assert.Contains($"{id}  subject  {AuditRecordSealer.Erased}", all.Stdout);
        Assert.Contains("released", all.Stdout);
        var verify = await WardenCli.RunAsync("audit", "verify", "--data", log.Directory);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("intact: 7 records", verify.Stdout);
    }

    [Fact]
    public async Task Forget_UnknownSubject_ChangesNothing()
    {
        using var log = await AliceAndBobAsync();

        var result = await WardenCli.RunAsync("audit", "forget", "--subject", "mallory", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("nothing to erase", result.Stdout);
        Assert.Equal(4L, log.Scalar("SELECT COUNT(*) FROM audit_records"));
    }

    [Theory]
    [InlineData(new[] { "audit", "forget" }, "--subject")]
    [InlineData(new[] { "audit", "hold", "add", "--reason", "r" }, "exactly one of --subject")]
    [InlineData(new[] { "audit", "hold", "add", "--subject", "a", "--server", "b", "--reason", "r" }, "exactly one of --subject")]
    [InlineData(new[] { "audit", "hold", "add", "--session", "s" }, "--reason")]
    [InlineData(new[] { "audit", "hold", "release", "hold-00000000" }, "no active legal hold 'hold-00000000'")]
    [InlineData(new[] { "audit", "report", "subject-access" }, "--subject")]
    public async Task BadInput_ExitsTwoSayingWhatToDo(string[] args, string expected)
    {
        using var log = await AliceAndBobAsync();

        var result = await WardenCli.RunAsync([.. args, "--data", log.Directory]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr + result.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(4L, log.Scalar("SELECT COUNT(*) FROM audit_records"));
    }

    [Fact]
    public async Task Forget_NoLog_ExitsTwoAndCreatesNothing()
    {
        var empty = Directory.CreateTempSubdirectory("warden-audit-cli-").FullName;

        var result = await WardenCli.RunAsync("audit", "forget", "--subject", "alice", "--data", empty);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("There is no audit log", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static AuditRecord Decode(string line) => AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(line));
}
