using Warden.Core.Identity;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Warden.Core.Audit;
using Warden.Gateway.Api;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>GET /api/v1/audit/stream: records as they are committed, filtered like the query API, with lag reported and resume by Last-Event-ID.</summary>
public sealed class AuditStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stream_WithFilters_SendsOnlyMatchingRecordsAsTheAPIEncodesThem()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var stream = await SseStream.OpenAsync(warden.BaseUrl + "/api/v1/audit/stream?method=tools/call&tool=slow_*", bearer: warden.AdminKey);
        await using var client = await warden.ConnectAsync("/mcp/test");

        await client.CallToolAsync("test_simple_text");
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "first", ["delayMs"] = 0 });
        await client.CallToolAsync("test_simple_text");
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "second", ["delayMs"] = 0 });

        // Neither initialize nor the other tool's calls come through; each event is the record as GET /api/v1/audit/{id} has it.
        using var http = warden.AdminHttp();
        foreach (var message in new[] { "first", "second" })
        {
            var next = await stream.NextEventAsync(Patience);
            Assert.Equal("record", next.Type);
            var record = AuditRecordDecoder.Decode(Encoding.UTF8.GetBytes(next.Data));
            Assert.Equal(("slow_echo", message), (record.Input.Name, record.Input.Arguments!["message"]!.GetValue<string>()));
            Assert.Equal(record.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), next.Id);
            Assert.Equal(next.Data, await http.GetStringAsync($"{warden.BaseUrl}/api/v1/audit/{record.Id}"));
        }
    }

    [Fact]
    public async Task Stream_OpenedWithAKeyThatIsThenRevoked_EndsInsteadOfSendingMore()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        var auditor = await ApiKeyAuthenticationTests.CreateKeyAsync(warden, "siem-reader", roles: ["compliance"]);
        await using var stream = await SseStream.OpenAsync(warden.BaseUrl + "/api/v1/audit/stream?tool=slow_echo", bearer: auditor.Token);
        await using var client = await warden.ConnectAsync("/mcp/test");

        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "before", ["delayMs"] = 0 });
        Assert.Equal("record", (await stream.NextEventAsync(Patience)).Type);

        await warden.Services.GetRequiredService<ApiKeyService>().RevokeAsync(auditor.Key.Id, "test", default);
        // Records keep coming; the revoked key's stream must stop (within the re-check and key-cache seconds), not follow them.
        SseEvent next;
        var calls = 0;
        do
        {
            await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = $"after {calls++}", ["delayMs"] = 300 });
            next = await stream.NextEventAsync(Patience);
        }
        while (next.Type == "record" && calls < 20);

        Assert.Equal("ended", next.Type);
        Assert.Contains("no longer valid", next.Data, StringComparison.Ordinal);
        Assert.True(calls < 20, "the stream kept sending records after its key was revoked");
    }

    [Fact]
    public async Task Stream_LastEventId_ReplaysWhatWasCommittedAfterItThenGoesLive()
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        await using var client = await warden.ConnectAsync("/mcp/test");
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "before-1", ["delayMs"] = 0 });
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "before-2", ["delayMs"] = 0 });
        using var http = warden.AdminHttp();
        var records = JsonNode.Parse(await http.GetStringAsync(warden.BaseUrl + "/api/v1/audit?tool=slow_echo"))!["records"]!.AsArray();
        var firstSeq = records.Select(r => r!["seq"]!.GetValue<long>()).Min();

        await using var stream = await SseStream.OpenAsync(warden.BaseUrl + "/api/v1/audit/stream?tool=slow_echo", lastEventId: firstSeq.ToString(System.Globalization.CultureInfo.InvariantCulture), bearer: warden.AdminKey);
        var replayed = await stream.NextEventAsync(Patience);
        await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "after", ["delayMs"] = 0 });
        var live = await stream.NextEventAsync(Patience);

        Assert.Equal("before-2", JsonNode.Parse(replayed.Data)!["input"]!["arguments"]!["message"]!.GetValue<string>());
        Assert.Equal("after", JsonNode.Parse(live.Data)!["input"]!["arguments"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("?limit=5", "cursor and limit page through")]
    [InlineData("?decision=maybe", "decision must be allow or deny")]
    [InlineData("?colour=red", "Unknown parameter 'colour'")]
    public async Task Stream_BadParameter_Is400SayingWhy(string query, string expected)
    {
        await using var warden = await WardenHost.StartAsync(Configs.StdioTestServer());
        using var http = warden.AdminHttp();

        var response = await http.GetAsync(warden.BaseUrl + "/api/v1/audit/stream" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ClientFallsBehind_GetsALaggedEventNamingTheSeqsItLost()
    {
        var store = new FeedOnlyStore();
        using var stop = new CancellationTokenSource();
        var http = new DefaultHttpContext { RequestAborted = stop.Token };
        var body = new LockedStream();
        http.Response.Body = body;

        // The stream has subscribed when RunAsync first waits; then more records are committed at once than it buffers.
        var running = AuditStream.RunAsync(http, store, new Warden.Core.Audit.Privacy.AuditRecordSealer(null), () => ValueTask.FromResult(true), TimeProvider.System);
        Assert.Equal(1, store.Feed.SubscriberCount);
        store.Feed.Publish([.. Enumerable.Range(1, 1030).Select(Record)]);
        Polling.Until(() => Encoding.UTF8.GetString(body.ToArray()).Contains("event: lagged", StringComparison.Ordinal), Patience);
        await stop.CancelAsync();
        await running;

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("id: 1023\nevent: record\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("id: 1024\n", text, StringComparison.Ordinal);
        Assert.EndsWith("event: lagged\ndata: {\"missed\":7,\"from_seq\":1024,\"to_seq\":1030}\n\n", text, StringComparison.Ordinal);
        Assert.Equal(0, store.Feed.SubscriberCount);
    }

    private static AuditRecord Record(int seq) => new()
    {
        Seq = seq,
        Id = $"id-{seq}",
        Timestamp = DateTimeOffset.UnixEpoch,
        Source = AuditSource.Mcp,
        Input = new AuditInput { Method = "tools/call" },
        User = new AuditUserIdentity { Subject = "alice", AuthMethod = "loopback" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow },
        PrevHash = AuditRecord.GenesisPrevHash,
        Hash = new string('a', 64),
    };

    /// <summary>A response body the test can read while the stream writes it from another thread.</summary>
    private sealed class LockedStream : MemoryStream
    {
        private readonly Lock _gate = new();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, offset, count);
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_gate)
            {
                base.Write(buffer);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override byte[] ToArray()
        {
            lock (_gate)
            {
                return base.ToArray();
            }
        }
    }

    /// <summary>A store that only has a feed: what the stream needs when no Last-Event-ID is given.</summary>
    private sealed class FeedOnlyStore : IAuditStore
    {
        public AuditFeed Feed { get; } = new();

        public string? Unavailable => null;

        public ILeafHashSource LeafHashes => throw new NotSupportedException();

        public ValueTask<AuditAppendResult> AppendAsync(AuditRecord record, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> CountAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
