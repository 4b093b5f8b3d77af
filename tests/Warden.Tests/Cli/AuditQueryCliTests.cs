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
}
