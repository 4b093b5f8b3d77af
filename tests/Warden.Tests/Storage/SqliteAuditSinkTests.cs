using Warden.Core.Pipeline;
using Warden.Storage.Sqlite;

namespace Warden.Tests.Storage;

public sealed class SqliteAuditSinkTests
{
    [Fact]
    public async Task Dispose_EntriesStillQueued_WritesEveryOne()
    {
        var path = Path.Combine(Path.GetTempPath(), $"warden-audit-{Guid.NewGuid():N}.db");
        try
        {
            var sink = new SqliteAuditSink(path);
            var caller = new Caller("alice", null, "local", []);
            // More than one commit group, arriving while the first group is open.
            var writes = Enumerable.Range(0, 1200).Select(i => sink.RecordAsync(new AuditEntry
            {
                Timestamp = DateTimeOffset.UnixEpoch,
                Duration = TimeSpan.FromMilliseconds(1),
                Action = new McpAction { Source = "mcp", Caller = caller, Method = "tools/call", Name = $"t{i}" },
                Decision = Decision.AllowAll,
                Outcome = "ok",
            }, CancellationToken.None).AsTask());
            await Task.WhenAll(writes);

            await sink.DisposeAsync();

            await using var reopened = new SqliteAuditSink(path);
            Assert.Equal(1200, await reopened.CountAsync());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
