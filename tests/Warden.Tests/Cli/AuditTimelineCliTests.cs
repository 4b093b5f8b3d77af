using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>`warden audit timeline` reads one session out of a real log, in order, with the diffs of the files it wrote.</summary>
public sealed class AuditTimelineCliTests
{
    [Fact]
    public async Task Timeline_Json_ListsOnlyThatSessionInSeqOrderWithDiffs()
    {
        using var log = await LogWithFileSessionAsync();

        var result = await WardenCli.RunAsync("audit", "timeline", "--session", "s-files", "--format", "json", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var timeline = JsonNode.Parse(result.Stdout)!;
        var entries = timeline["entries"]!.AsArray();
        Assert.Equal([3L, 4L, 5L], entries.Select(e => e!["seq"]!.GetValue<long>()));
        Assert.Equal(3, timeline["records"]!.GetValue<int>());
        Assert.Equal([0L, 2_000_000L, 4_000_000L], entries.Select(e => e!["offset_us"]!.GetValue<long>()));
        Assert.Equal("--- /dev/null\n+++ b/srv/todo.txt\n@@ -0,0 +1,2 @@\n+milk\n+eggs\n", entries[0]!["diff"]!.GetValue<string>());
        Assert.Equal("--- a/srv/todo.txt\n+++ b/srv/todo.txt\n@@ -1,2 +1,2 @@\n-milk\n+oat milk\n eggs\n", entries[1]!["diff"]!.GetValue<string>());
        Assert.Equal("deny", entries[2]!["decision"]!["effect"]!.GetValue<string>());
        Assert.Equal(["no-dotenv"], entries[2]!["decision"]!["rule_ids"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("alice", entries[0]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Timeline_Text_PrintsOneLinePerRecordAndTheDiffUnderIt()
    {
        using var log = await LogWithFileSessionAsync();

        var result = await WardenCli.RunAsync("audit", "timeline", "--session", "s-files", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        Assert.StartsWith("session s-files: 3 records, 2025-11-24T10:00:00.000000Z to 2025-11-24T10:00:04.000900Z", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("+2.000s  2025-11-24T10:00:02.000000Z", StringComparison.Ordinal) && l.Contains("seq 4  allow  files tools/call edit_file  file:/srv/todo.txt", StringComparison.Ordinal));
        Assert.Contains("      -milk\n      +oat milk\n", result.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("seq 5  deny [no-dotenv]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Timeline_UnknownSession_ExitsTwoSayingHowToFindOne()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 2);

        var result = await WardenCli.RunAsync("audit", "timeline", "--session", "nope", "--data", log.Directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("No records of session 'nope'", result.Stderr);
    }

    [Fact]
    public async Task Timeline_UnknownFormat_ExitsTwo()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 2);

        var result = await WardenCli.RunAsync("audit", "timeline", "--session", "sess-1", "--format", "yaml", "--data", log.Directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--format must be text or json, got 'yaml'", result.Stderr);
    }

    /// <summary>Two records of another session, then s-files: write, edit (allowed) and a denied read of .env.</summary>
    private static async Task<SqliteTestLog> LogWithFileSessionAsync()
    {
        var log = await SqliteTestLog.CreateAsync(count: 2);
        var start = new DateTimeOffset(2025, 11, 24, 10, 0, 0, TimeSpan.Zero);
        AuditRecord Call(int second, string tool, JsonObject arguments, string? result) => new()
        {
            Id = Guid.CreateVersion7().ToString(),
            Timestamp = start.AddSeconds(second),
            DurationMicros = 900,
            Source = AuditSource.Mcp,
            SessionId = "s-files",
            Input = new AuditInput { Method = "tools/call", Server = "files", Name = tool, Arguments = arguments },
            Output = result is null ? null : AuditOutput.FromContent(result, 1000),
            DataAccessed = [new AuditResource { Kind = AuditResourceKind.File, Value = arguments["path"]!.GetValue<string>() }],
            User = new AuditUserIdentity { Subject = "alice", AuthMethod = "oidc" },
            Decision = new AuditDecision { Effect = AuditEffect.Allow },
        };

        using var keys = log.Keys();
        await using var store = await log.OpenStoreAsync(keys);
        foreach (var record in new[]
        {
            Call(0, "write_file", new JsonObject { ["path"] = "/srv/todo.txt", ["content"] = "milk\neggs\n" }, """{"content":[{"type":"text","text":"Successfully wrote to /srv/todo.txt"}]}"""),
            Call(2, "edit_file", new JsonObject { ["path"] = "/srv/todo.txt", ["edits"] = new JsonArray(new JsonObject { ["oldText"] = "milk", ["newText"] = "oat milk" }) }, """{"content":[{"type":"text","text":"ok"}]}"""),
            Call(4, "read_text_file", new JsonObject { ["path"] = "/srv/.env" }, null) with
            {
                Decision = new AuditDecision { Effect = AuditEffect.Deny, RuleIds = ["no-dotenv"], Reason = "secrets" },
            },
        })
        {
            Assert.True((await store.AppendAsync(record, CancellationToken.None)).Succeeded);
        }

        return log;
    }
}
