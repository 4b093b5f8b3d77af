using System.Text;
using Warden.Core.Audit;
using Warden.Core.Audit.Spool;
using Warden.Core.Configuration;
using Warden.Storage.Sqlite;

namespace Warden.Tests.Storage;

/// <summary>The spool decorator over a real SQLite store: replaying a spool an earlier run left behind.</summary>
public sealed class SpoolingAuditStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("warden-spool-").FullName;
    private readonly NoteSigner _signer = NoteSigner.Generate("warden.test/spool");

    private string Database => Path.Combine(_directory, "audit.db");

    private string SpoolPath => Database + ".spool.jsonl";

    [Fact]
    public async Task Open_SpoolWhoseReplayWasCutShort_AppendsOnlyWhatIsMissing_InSpoolOrder()
    {
        var a = SqliteTestLog.Record(1);
        var b = SqliteTestLog.Record(2);
        var c = SqliteTestLog.Record(3);

        // A earlier run replayed A into the log and stopped before it could remove the spool.
        await using (var sqlite = await OpenSqliteAsync())
        {
            Assert.True((await sqlite.AppendAsync(a, CancellationToken.None)).Succeeded);
        }

        var spool = new StringBuilder();
        foreach (var record in new[] { a, b, c })
        {
            spool.Append(Encoding.UTF8.GetString(AuditRecordEncoder.Encode(record))).Append('\n');
        }

        // A line that is not a record, and a last line a crash cut short (its call was never answered).
        spool.Insert(0, "{\"not\":\"a record\"}\n");
        spool.Append("{\"data\":[],\"decision\":");
        await File.WriteAllTextAsync(SpoolPath, spool.ToString());

        await using var store = await SpoolingAuditStore.OpenAsync(await OpenSqliteAsync(), SpoolPath, () => AuditFailureMode.Closed, AuditDurability.Sync, TimeProvider.System);

        Assert.False(File.Exists(SpoolPath));
        Assert.Null(store.Unavailable);
        Assert.Equal(0, store.Spooled);
        var stored = new List<AuditRecord>();
        await foreach (var record in store.ReadAsync(1, CancellationToken.None))
        {
            stored.Add(record);
        }

        Assert.Equal([a.Id, b.Id, c.Id], stored.Select(r => r.Id));
        Assert.Equal([1L, 2L, 3L], stored.Select(r => r.Seq));
        Assert.Equal(stored[1].Hash, stored[2].PrevHash);
        // Sealed from the spooled line, the record hashes as if it had been written directly.
        Assert.Equal(AuditRecordEncoder.ComputeHash(stored[2]), stored[2].Hash);
        Assert.Equal(c.Input.Arguments!.ToJsonString(), stored[2].Input.Arguments!.ToJsonString());
        Assert.Contains("not", await File.ReadAllTextAsync(SpoolPath + ".rejected"));
    }

    [Fact]
    public async Task Append_StoreWritable_GoesStraightToTheLog()
    {
        await using var store = await SpoolingAuditStore.OpenAsync(await OpenSqliteAsync(), SpoolPath, () => AuditFailureMode.Open, AuditDurability.Sync, TimeProvider.System);
        var result = await store.AppendAsync(SqliteTestLog.Record(1), CancellationToken.None);
        Assert.True(result.Succeeded);
        Assert.False(result.Spooled);
        Assert.Equal(1, result.Record!.Seq);
        Assert.False(File.Exists(SpoolPath));
    }

    private Task<SqliteAuditStore> OpenSqliteAsync() => SqliteAuditStore.OpenAsync(Database, new SqliteAuditStoreOptions
    {
        CheckpointInterval = TimeSpan.FromHours(1),
        Origin = "warden.test/spool",
        Signer = () => _signer,
    });

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
