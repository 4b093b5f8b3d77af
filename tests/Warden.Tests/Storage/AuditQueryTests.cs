using Microsoft.Data.Sqlite;
using System.Net;
using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Storage.Sqlite;
using Warden.Tests.Gateway;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Storage;

/// <summary>
/// Audit queries: "who accessed customer data, and when?" is one filter; pages are stable and complete. Each query
/// runs three ways, with the same answers: through a query index that covers the whole log, with no index (every
/// record scanned), and with an index that covers only the first half (the rest scanned, as right after appends).
/// </summary>
public sealed class AuditQueryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private SqliteAuditStore? _store;
    private string _directory = "";

    private SqliteAuditStore Store => _store!;

    private string DatabasePath => Path.Combine(_directory, "audit.db");

    public static TheoryData<string> IndexStates => new() { "full", "none", "half" };

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("warden-query-").FullName;
        var options = new SqliteAuditStoreOptions { Origin = "warden/query-test", Signer = () => NoteSigner.Generate("warden/query-test") };
        _store = await SqliteAuditStore.OpenAsync(DatabasePath, options);

        // A day of activity: alice reads customers, bob reads invoices and .env, carol is denied a DROP.
        await AppendAsync("alice", ["analyst-elevated"], "db", "query", "SELECT email FROM customers", 0, AuditEffect.Allow, [Table("public.customers"), Column("customers.email")]);
        await AppendAsync("bob", ["engineering"], "db", "query", "SELECT total FROM invoices", 60, AuditEffect.Allow, [Table("invoices")]);
        await AppendAsync("bob", ["engineering"], "files", "read_file", "/srv/app/.env", 120, AuditEffect.Allow, [new AuditResource { Kind = "file", Value = "/srv/app/.env" }]);
        await AppendAsync("carol", ["engineering"], "db", "query", "DROP TABLE customers", 180, AuditEffect.Deny, [Table("customers")]);
        await AppendAsync("alice", ["analyst-elevated"], "db", "query", "SELECT name FROM customers_archive", 240, AuditEffect.Allow, [Table("customers_archive")]);
        for (var i = 0; i < 25; i++)
        {
            if (i == 10)
            {
                // Stopping the store leaves its index complete: keep a copy that covers these first 15 records.
                await Store.DisposeAsync();
                var index = Path.Combine(_directory, "audit.index.db");
                Assert.False(File.Exists(index + "-wal") && new FileInfo(index + "-wal").Length > 0, "the index's WAL was not checkpointed at close");
                File.Copy(index, Path.Combine(_directory, "half.index.db"));
                _store = await SqliteAuditStore.OpenAsync(DatabasePath, options);
            }

            await AppendAsync("dave", ["engineering"], "git", "status", $"repo {i}", 300 + i, AuditEffect.Allow, []);
        }
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    private async Task<SqliteAuditReader> ReaderAsync(string indexState)
    {
        var (reader, covered) = indexState switch
        {
            "full" => (Store.Reader, 30),
            "none" => (SqliteAuditReader.OpenReadOnly(DatabasePath, Path.Combine(_directory, "absent.index.db")), 0),
            _ => (SqliteAuditReader.OpenReadOnly(DatabasePath, Path.Combine(_directory, "half.index.db")), 15),
        };
        if (indexState == "full")
        {
            await Store.CatchUpIndexAsync(CancellationToken.None);
        }

        Assert.Equal(covered, await reader.IndexedUptoAsync(CancellationToken.None));
        return reader;
    }

    [Theory]
    [MemberData(nameof(IndexStates))]
    public async Task Query_ResourceGlob_AnswersWhoAccessedCustomerData(string indexState)
    {
        var reader = await ReaderAsync(indexState);
        var page = await reader.QueryAsync(new AuditQuery { Resource = "table:*customers*" }, CancellationToken.None);

        Assert.Equal(["alice", "carol", "alice"], page.Records.Select(r => r.User.Subject));
        Assert.Equal([Start.AddSeconds(240), Start.AddSeconds(180), Start], page.Records.Select(r => r.Timestamp));
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [MemberData(nameof(IndexStates))]
    public async Task Query_Filters_NarrowTogether(string indexState)
    {
        var reader = await ReaderAsync(indexState);
        Assert.Single((await reader.QueryAsync(new AuditQuery { Resource = "file:**/.env" }, CancellationToken.None)).Records);
        Assert.Single((await reader.QueryAsync(new AuditQuery { Decision = AuditEffect.Deny }, CancellationToken.None)).Records, r => r.User.Subject == "carol");
        Assert.Equal(2, (await reader.QueryAsync(new AuditQuery { Role = "analyst-elevated" }, CancellationToken.None)).Records.Count);
        Assert.Empty((await reader.QueryAsync(new AuditQuery { Role = "analyst" }, CancellationToken.None)).Records);
        Assert.Equal(2, (await reader.QueryAsync(new AuditQuery { User = "bob", Server = "*" }, CancellationToken.None)).Records.Count);
        Assert.Single((await reader.QueryAsync(new AuditQuery { Server = "fil*", Tool = "read_*" }, CancellationToken.None)).Records);
        Assert.Equal(2, (await reader.QueryAsync(new AuditQuery { From = Start.AddSeconds(60), To = Start.AddSeconds(180) }, CancellationToken.None)).Records.Count);
        Assert.Single((await reader.QueryAsync(new AuditQuery { Text = "TOTAL FROM invoices" }, CancellationToken.None)).Records);
        Assert.Empty((await reader.QueryAsync(new AuditQuery { Text = "100%_" }, CancellationToken.None)).Records);
    }

    [Theory]
    [MemberData(nameof(IndexStates))]
    public async Task Query_Pages_CoverEveryRecordOnceNewestFirst(string indexState)
    {
        var reader = await ReaderAsync(indexState);
        var seen = new List<long>();
        long? cursor = null;
        do
        {
            var page = await reader.QueryAsync(new AuditQuery { User = "dave", Limit = 10, Before = cursor }, CancellationToken.None);
            seen.AddRange(page.Records.Select(r => r.Seq));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(25, seen.Count);
        Assert.Equal(seen.OrderByDescending(s => s), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
    }

    [Fact]
    public async Task Query_IndexOfAnotherLog_IsNotUsedAndTheStoreRebuildsIt()
    {
        // Another log's complete index, put in place of this log's.
        var otherDirectory = Directory.CreateTempSubdirectory("warden-query-other-").FullName;
        await using (var other = await SqliteAuditStore.OpenAsync(Path.Combine(otherDirectory, "audit.db"), new SqliteAuditStoreOptions { Origin = "warden/other", Signer = () => NoteSigner.Generate("warden/other") }))
        {
            for (var i = 0; i < 40; i++)
            {
                var appended = await other.AppendAsync(new AuditRecord
                {
                    Id = Guid.CreateVersion7().ToString(),
                    Timestamp = Start,
                    Source = AuditSource.Mcp,
                    Input = new AuditInput { Method = "tools/call", Server = "db", Name = "query" },
                    DataAccessed = [Table("public.customers")],
                    User = new AuditUserIdentity { Subject = "mallory", AuthMethod = "oidc" },
                    Decision = new AuditDecision { Effect = AuditEffect.Allow },
                }, CancellationToken.None);
                Assert.True(appended.Succeeded, appended.Error);
            }
        }

        var reader = SqliteAuditReader.OpenReadOnly(DatabasePath, Path.Combine(otherDirectory, "audit.index.db"));
        Assert.Equal(0, await reader.IndexedUptoAsync(CancellationToken.None));
        var page = await reader.QueryAsync(new AuditQuery { Resource = "table:*customers*" }, CancellationToken.None);
        Assert.Equal(["alice", "carol", "alice"], page.Records.Select(r => r.User.Subject));

        // The store, finding the foreign index in its place at start, rebuilds it for its own log.
        await Store.DisposeAsync();
        File.Copy(Path.Combine(otherDirectory, "audit.index.db"), Path.Combine(_directory, "audit.index.db"), overwrite: true);
        _store = await SqliteAuditStore.OpenAsync(DatabasePath, new SqliteAuditStoreOptions { Origin = "warden/query-test", Signer = () => NoteSigner.Generate("warden/query-test") });
        await Store.CatchUpIndexAsync(CancellationToken.None);
        var rebuilt = SqliteAuditReader.OpenReadOnly(DatabasePath, Path.Combine(_directory, "audit.index.db"));
        Assert.Equal(30, await rebuilt.IndexedUptoAsync(CancellationToken.None));
        Assert.Equal(30, (await rebuilt.QueryAsync(new AuditQuery { Limit = 1000 }, CancellationToken.None)).Records.Count);
        Assert.Empty((await rebuilt.QueryAsync(new AuditQuery { User = "mallory" }, CancellationToken.None)).Records);
        Assert.Equal(25, (await rebuilt.QueryAsync(new AuditQuery { User = "dave", Limit = 1000 }, CancellationToken.None)).Records.Count);
    }

    [Fact]
    public async Task Query_IndexFromBeforeTheOnBehalfOfColumn_IsRebuiltWithIt()
    {
        await Store.CatchUpIndexAsync(CancellationToken.None);
        await Store.DisposeAsync();
        var indexPath = Path.Combine(_directory, "audit.index.db");
        await using (var old = new SqliteConnection($"Data Source={indexPath};Pooling=False"))
        {
            await old.OpenAsync();
            await using var command = old.CreateCommand();
            command.CommandText = "DROP INDEX audit_index_behalf_seq; ALTER TABLE audit_index DROP COLUMN on_behalf_of;";
            await command.ExecuteNonQueryAsync();
        }

        _store = await SqliteAuditStore.OpenAsync(DatabasePath, new SqliteAuditStoreOptions { Origin = "warden/query-test", Signer = () => NoteSigner.Generate("warden/query-test") });
        await Store.CatchUpIndexAsync(CancellationToken.None);

        var reader = SqliteAuditReader.OpenReadOnly(DatabasePath, indexPath);
        Assert.Equal(30, await reader.IndexedUptoAsync(CancellationToken.None));
        Assert.Equal(25, (await reader.QueryAsync(new AuditQuery { User = "dave", Limit = 1000 }, CancellationToken.None)).Records.Count);
    }

    [Fact]
    public async Task AuditApi_ThroughWarden_FiltersAndRejectsBadParameters()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using (var client = await warden.ConnectAsync("/mcp/test"))
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "find me", ["delayMs"] = 0 });
        }

        using var http = warden.AdminHttp();
        var body = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/api/v1/audit?server=test&tool=slow_echo"))!;
        var record = Assert.Single(body["records"]!.AsArray())!;
        Assert.Equal("find me", record["input"]!["arguments"]!["message"]!.GetValue<string>());
        Assert.Equal(64, record["hash"]!.GetValue<string>().Length);

        var one = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/api/v1/audit/" + record["id"]!.GetValue<string>()))!;
        Assert.Equal(record["hash"]!.GetValue<string>(), one["hash"]!.GetValue<string>());

        using var bad = await http.GetAsync(warden.BaseUrl + "/api/v1/audit?decision=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("decision must be allow or deny", await bad.Content.ReadAsStringAsync());

        using var unknown = await http.GetAsync(warden.BaseUrl + "/api/v1/audit?usr=alice");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Unknown parameter 'usr'", await unknown.Content.ReadAsStringAsync());

        using var missing = await http.GetAsync(warden.BaseUrl + "/api/v1/audit/0193a1b2-0000-7000-8000-000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static AuditResource Table(string name) => new() { Kind = AuditResourceKind.SqlTable, Value = name };

    private static AuditResource Column(string name) => new() { Kind = AuditResourceKind.SqlColumn, Value = name };

    private async Task AppendAsync(string user, string[] roles, string server, string tool, string argument, int seconds, AuditEffect effect, AuditResource[] data)
    {
        var result = await Store.AppendAsync(new AuditRecord
        {
            Id = Guid.CreateVersion7(Start.AddSeconds(seconds)).ToString(),
            Timestamp = Start.AddSeconds(seconds),
            Source = AuditSource.Mcp,
            Input = new AuditInput { Method = "tools/call", Server = server, Name = tool, Arguments = new JsonObject { ["arg"] = argument } },
            DataAccessed = data,
            User = new AuditUserIdentity { Subject = user, Roles = roles, AuthMethod = "oidc" },
            Decision = new AuditDecision { Effect = effect },
        }, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error);
    }
}
