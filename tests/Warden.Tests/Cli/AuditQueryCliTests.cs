using Warden.Core.Audit;
using Warden.Tests.Infrastructure;
using Warden.Tests.Storage;

namespace Warden.Tests.Cli;

/// <summary>`warden audit query` and `export` read the log read-only and print what a responder or auditor needs.</summary>
public sealed class AuditQueryCliTests
{
    [Fact]
    public async Task Query_FreeTextFilter_PrintsTheMatchingRecordAndNoOther()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 6);

        var result = await WardenCli.RunAsync("audit", "query", "--q", SqliteTestLog.Marker(4), "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var line = Assert.Single(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("alice", line);
        Assert.Contains("id=" + log.Records[3].Id, line);
    }

    [Fact]
    public async Task Query_Paged_PrintsTheCursorForTheNextPage()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 6);

        var first = await WardenCli.RunAsync("audit", "query", "--limit", "4", "--format", "jsonl", "--data", log.Directory);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(4, first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("--cursor 3", first.Stderr);
        var second = await WardenCli.RunAsync("audit", "query", "--limit", "4", "--cursor", "3", "--format", "jsonl", "--data", log.Directory);
        var rest = second.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => AuditRecordDecoder.Decode(System.Text.Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal([2L, 1L], rest.Select(r => r.Seq));
    }

    [Fact]
    public async Task Query_BadFilter_ExitsTwoWithWhatToDo()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 2);

        var result = await WardenCli.RunAsync("audit", "query", "--decision", "maybe", "--data", log.Directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("decision must be allow or deny", result.Stderr);
    }

    [Fact]
    public async Task Export_Jsonl_IsTheCanonicalLogThatVerifies()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 7);

        var result = await WardenCli.RunAsync("audit", "export", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var record = AuditRecordDecoder.Decode(System.Text.Encoding.UTF8.GetBytes(lines[i]));
            Assert.Equal(log.Records[i].Hash, record.Hash);
            Assert.Equal(lines[i], System.Text.Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record)));
        }
    }

    [Fact]
    public async Task Export_Csv_HasAHeaderAndOneRowPerRecord()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 3);

        var result = await WardenCli.RunAsync("audit", "export", "--format", "csv", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seq,id,timestamp,", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("1," + log.Records[0].Id + ",2025-11-24T09:30:01.000000Z,hook,alice,developer,oidc", lines[1]);
    }

    [Fact]
    public async Task Export_Ocsf_IsOneEventPerRecordOfTheClassThatFits()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 5);

        var result = await WardenCli.RunAsync("audit", "export", "--format", "ocsf", "--data", log.Directory);

        Assert.True(result.ExitCode == 0, result.ToString());
        var events = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        Assert.Equal(5, events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            // SqliteTestLog's records are agent Bash commands reported by a hook: Process Activity, Launch.
            var e = events[i];
            Assert.Equal((1007, 1, 100701L), (e["class_uid"]!.GetValue<int>(), e["category_uid"]!.GetValue<int>(), e["type_uid"]!.GetValue<long>()));
            Assert.Equal($"cat {SqliteTestLog.Marker(i + 1)}.txt", e["process"]!["cmd_line"]!.GetValue<string>());
            Assert.Equal(log.Records[i].Timestamp.ToUnixTimeMilliseconds(), e["time"]!.GetValue<long>());
            Assert.Equal(log.Records[i].Id, e["metadata"]!["uid"]!.GetValue<string>());
            Assert.Equal("Warden", e["metadata"]!["product"]!["name"]!.GetValue<string>());
            Assert.Equal("allow-all", e["actor"]!["authorizations"]![0]!["policy"]!["uid"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Export_UnknownFormat_ExitsTwo()
    {
        using var log = await SqliteTestLog.CreateAsync(count: 1);

        var result = await WardenCli.RunAsync("audit", "export", "--format", "xml", "--data", log.Directory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--format must be jsonl, csv or ocsf, got 'xml'", result.Stderr);
    }
}
