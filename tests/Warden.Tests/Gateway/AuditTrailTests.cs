using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Upstreams;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>Every call through Warden leaves a record in the tamper-evident log before its response is released.</summary>
public sealed class AuditTrailTests
{
    [Fact]
    public async Task ToolCall_ThroughGateway_IsRecordedWithTheSixElements()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "audit me", ["delayMs"] = 0 });
        Assert.NotEqual(true, result.IsError);
        await client.ReadResourceAsync("test://static-text");

        // The response was released, so its record is already in the log: no waiting.
        var store = warden.Services.GetRequiredService<IAuditStore>();
        var records = await ReadAllAsync(store);
        var call = Assert.Single(records, r => r.Input.Method == "tools/call");
        Assert.Equal("test", call.Input.Server);
        Assert.Equal("slow_echo", call.Input.Name);
        Assert.Equal("audit me", call.Input.Arguments!["message"]!.GetValue<string>());
        Assert.Contains("audit me", call.Output!.Content);
        Assert.Equal(64, call.Output.ContentSha256!.Length);
        Assert.Null(call.Output.Error);
        // Stored, the identity is sealed: a pseudonym in place, the subject and name encrypted under their key.
        Assert.StartsWith("psn-", call.User.Subject);
        Assert.Null(call.User.DisplayName);
        Assert.NotNull(call.Sealed);
        var opened = await warden.Services.GetRequiredService<AuditRecordSealer>().OpenAsync(call, CancellationToken.None);
        Assert.Equal("local", opened.User.Subject);
        Assert.Equal(Environment.UserName, opened.User.DisplayName);
        Assert.Equal("loopback", call.User.AuthMethod);
        Assert.Equal(AuditEffect.Allow, call.Decision.Effect);
        Assert.Equal(AuditSource.Mcp, call.Source);
        Assert.False(string.IsNullOrEmpty(call.SessionId));
        Assert.NotNull(call.Model?.Agent);
        Assert.True(call.Timestamp <= DateTimeOffset.UtcNow && call.Timestamp > DateTimeOffset.UtcNow.AddMinutes(-5));

        // Data accessed: the resource read names what it read.
        var read = Assert.Single(records, r => r.Input.Method == "resources/read");
        Assert.Contains(read.DataAccessed, d => d.Kind == "resource" && d.Value == "test://static-text");

        // The admin key's creation on first start comes first; then initialize; seq and prev_hash chain them.
        Assert.Equal(AuthEvents.KeyCreated, records[0].Input.Method);
        Assert.Equal("admin", records[0].Input.Arguments!["kind"]!.GetValue<string>());
        Assert.Equal("initialize", records[1].Input.Method);
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(r => r.Seq));
        Assert.Equal(records[^2].Hash, records[^1].PrevHash);
        Assert.Equal(AuditRecordEncoder.ComputeHash(records[^1]), records[^1].Hash);
    }

    [Fact]
    public async Task ToolCall_WithArgumentsCanonicalJsonCannotHold_IsRecordedAsTextAndTheLogKeepsWorking()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var session = await Interop.RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test");

        // A number beyond a double's range: valid JSON, but canonical JSON (RFC 8785) cannot hold it.
        var reply = await session.RequestTextAsync(2, """
            {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow_echo","arguments":{"message":"huge","delayMs":0,"huge":1e400}}}
            """);
        Assert.True(reply.ContainsKey("result"), reply.ToJsonString());

        // An escaped unpaired surrogate is refused at the door, with a reason, before anything runs.
        using var refused = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, session.Url)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow_echo","arguments":{"message":"a\udc00b"}}}""", System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "Accept", "application/json, text/event-stream" }, { "Mcp-Session-Id", session.SessionId }, { "MCP-Protocol-Version", Interop.RawMcpSession.ProtocolVersion } },
        });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("unpaired UTF-16 surrogate", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The log still takes records, and holds the odd one with its arguments as their JSON text, chained.
        Assert.Contains("after", await session.CallToolTextAsync(4, "slow_echo", new System.Text.Json.Nodes.JsonObject { ["message"] = "after", ["delayMs"] = 0 }));
        var records = await ReadAllAsync(warden.Services.GetRequiredService<IAuditStore>());
        var odd = Assert.Single(records, r => r.Input.Method == "tools/call" && r.Input.Arguments is System.Text.Json.Nodes.JsonValue);
        Assert.Contains("1e400", odd.Input.Arguments!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(records, r => r.Input.Arguments is System.Text.Json.Nodes.JsonObject arguments && arguments["message"]?.GetValue<string>() == "after");
        Assert.DoesNotContain(records, r => r.RequestId == "3");
        Assert.All(records, r => Assert.Equal(AuditRecordEncoder.ComputeHash(r), r.Hash));
    }

    [Fact]
    public async Task FirstStart_CreatesSigningKeyAndLog_ReadableOnlyByOwner()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);

        // Before any call: the key exists (an auditor can take the public key now) and neither file is world-readable.
        Assert.True(File.Exists(Path.Combine(data, AuditKeyStore.SigningKeyFileName)));
        if (!OperatingSystem.IsWindows())
        {
            var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(data, AuditKeyStore.SigningKeyFileName)));
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(data, "warden.db")));
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(data, "warden.index.db")));
        }

        Assert.NotEmpty(AuditKeyStore.ReadVerifiers(data));
    }

    [Fact]
    public async Task Log_AfterShutdown_VerifiesAgainstSignedCheckpoint()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        await using (var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data))
        {
            await using var client = await warden.ConnectAsync("/mcp/test");
            for (var i = 0; i < 5; i++)
            {
                await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = $"m{i}", ["delayMs"] = 0 });
            }
        }

        // Shutting down signed a checkpoint over every record; the log verifies with the exported key.
        await using var store = await OpenAsync(data);
        var checkpoints = await store.CheckpointsAsync(CancellationToken.None);
        Assert.NotEmpty(checkpoints);
        using var keys = new AuditKeyStore(data, Warden.Gateway.Hosting.WardenGatewayExtensions.AuditOrigin(new Warden.Core.Configuration.WardenConfig()), TimeProvider.System);
        var result = await new AuditVerifier(keys.GetVerifiers()).VerifyAsync(store.ReadAsync(1, CancellationToken.None), checkpoints, CancellationToken.None);
        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(await store.CountAsync(CancellationToken.None), result.RecordsVerified);
        Assert.Equal(result.RecordsVerified, result.CheckpointSize);
    }

    [Fact]
    public async Task AuditApi_ByUser_FindsTheCallersRecordsWithIdentityDecrypted()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);
        await using var client = await warden.ConnectAsync("/mcp/test");
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "find me", ["delayMs"] = 0 });
        using var http = warden.AdminHttp();

        var page = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync($"{warden.BaseUrl}/api/v1/audit?user=local&tool=slow_echo"))!;

        var record = Assert.Single(page["records"]!.AsArray())!;
        Assert.Equal("local", record["user"]!["subject"]!.GetValue<string>());
        Assert.Equal(Environment.UserName, record["user"]!["display_name"]!.GetValue<string>());
        Assert.Null(record["sealed"]);
        var one = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync($"{warden.BaseUrl}/api/v1/audit/{record["id"]!.GetValue<string>()}"))!;
        Assert.Equal("local", one["user"]!["subject"]!.GetValue<string>());
        // The privacy key sits beside the signing key, owner-only.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, AuditMasterKey.FileName)));
        }
    }

    [Fact]
    public async Task Serve_RecordsPastRetention_ArePrunedInTheBackground_AndTheLogKeepsVerifyingAndGrowing()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        var clock = new ShiftableClock();
        var yaml = Configs.StdioTestServer() + """

            audit:
              retention:
                default: 1d
                pruneInterval: 1s
            """;
        await using (var warden = await WardenHost.StartAsync(yaml, data, clock))
        {
            await using var client = await warden.ConnectAsync("/mcp/test");
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "old news", ["delayMs"] = 0 });
            var store = warden.Services.GetRequiredService<IAuditStore>();
            var before = (await ReadAllAsync(store)).Count;

            // Two days later the pruner (every second) finds them past retention.
            clock.Advance(TimeSpan.FromDays(2));
            Polling.Until(() => ReadAllAsync(store).GetAwaiter().GetResult().Count(r => r.Pruned is not null) == before, TimeSpan.FromSeconds(60));

            // The gateway's writer chains its next record onto the prune record the pruner appended (in a new
            // session: two days on, the old one has expired).
            await using var later = await warden.ConnectAsync("/mcp/test");
            var after = await later.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "fresh", ["delayMs"] = 0 });
            Assert.Contains("fresh", Assert.IsType<TextContentBlock>(after.Content[0]).Text);
            var records = await ReadAllAsync(store);
            Assert.Contains(records, r => r.Input.Method == AuditLifecycle.Prune);
            Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(r => r.Seq));
        }

        await using var reopened = await OpenAsync(data);
        using var keys = new AuditKeyStore(data, Warden.Gateway.Hosting.WardenGatewayExtensions.AuditOrigin(new Warden.Core.Configuration.WardenConfig()), TimeProvider.System);
        var result = await new AuditVerifier(keys.GetVerifiers()).VerifyAsync(reopened.ReadAsync(1, CancellationToken.None), await reopened.CheckpointsAsync(CancellationToken.None), CancellationToken.None);
        Assert.True(result.IsIntact, result.Problem);
        Assert.True(result.RecordsPruned >= 2, $"{result.RecordsPruned} records pruned");
        Assert.Equal(result.RecordsVerified, result.CheckpointSize);
    }

    [Fact]
    public async Task AuditLogUnwritable_CallsAreRefused_AndServiceResumesWhenItIsBack()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);
        await using var client = await warden.ConnectAsync("/mcp/test");
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "before", ["delayMs"] = 0 });

        // Another process holds the database's write lock (as a backup tool or a stuck migration might).
        using (var blocker = new SqliteConnection($"Data Source={Path.Combine(data, "warden.db")};Pooling=False;Default Timeout=1"))
        {
            blocker.Open();
            using (var begin = blocker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                begin.ExecuteNonQuery();
            }

            var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "during", ["delayMs"] = 0 }).AsTask());
            Assert.Contains("could not record", refused.Message + " ", StringComparison.OrdinalIgnoreCase);

            // Fail closed: while the log is down, calls are refused up front.
            var store = warden.Services.GetRequiredService<IAuditStore>();
            Assert.NotNull(store.Unavailable);
            var upFront = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "during 2", ["delayMs"] = 0 }).AsTask());
            Assert.Contains("audit log cannot be written", upFront.Message, StringComparison.OrdinalIgnoreCase);

            // And a load balancer is told: not ready while calls are refused.
            using (var probe = new HttpClient())
            using (var ready = await probe.GetAsync(warden.BaseUrl + "/readyz"))
            {
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Equal("unavailable", JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
            }

            using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        // The store probes and comes back by itself.
        var back = warden.Services.GetRequiredService<IAuditStore>();
        Polling.Until(() => back.Unavailable is null, TimeSpan.FromSeconds(30));
        var after = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "after", ["delayMs"] = 0 });
        Assert.Contains("after", Assert.IsType<TextContentBlock>(after.Content[0]).Text);

        // Nothing that was answered is missing, and the chain has no hole.
        var records = await ReadAllAsync(back);
        Assert.Contains(records, r => r.Input.Arguments?["message"]?.GetValue<string>() == "before");
        Assert.Contains(records, r => r.Input.Arguments is System.Text.Json.Nodes.JsonObject arguments && arguments["message"]?.GetValue<string>() == "after");
        Assert.DoesNotContain(records, r => r.Input.Arguments?["message"]?.GetValue<string>() == "during 2");
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(r => r.Seq));
    }

    [Fact]
    public async Task Initialize_ThatCannotBeRecorded_IsRefusedAndLeavesNoSession()
    {
        var data = Directory.CreateTempSubdirectory("warden-audit-").FullName;
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer(), data);
        using var blocker = new SqliteConnection($"Data Source={Path.Combine(data, "warden.db")};Pooling=False;Default Timeout=1");
        blocker.Open();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();
        }

        // The log fails only when the initialize record is written, after the handshake opened the session.
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await warden.ConnectAsync("/mcp/test"));
        Assert.Contains("audit log cannot be written", refused.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, warden.Services.GetRequiredService<Warden.Gateway.Mcp.SessionStore>().Count);
    }

    private static async Task<Warden.Storage.Sqlite.SqliteAuditStore> OpenAsync(string data) =>
        await Warden.Storage.Sqlite.SqliteAuditStore.OpenAsync(Path.Combine(data, "warden.db"), new Warden.Storage.Sqlite.SqliteAuditStoreOptions
        {
            Origin = "warden/test",
            Signer = () => throw new InvalidOperationException("read-only use"),
        });

    private static async Task<List<AuditRecord>> ReadAllAsync(IAuditStore store)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in store.ReadAsync(1, CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }
}
