using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;
using Warden.Tests.Interop;

namespace Warden.Tests.Gateway;

/// <summary>
/// SSE resumability: a client that loses a request's stream, or the GET stream, gets back what it missed
/// with GET and Last-Event-ID, and only that stream's events.
/// </summary>
public sealed class ResumabilityTests
{
    private static readonly JsonObject Sampling = new() { ["sampling"] = new JsonObject() };

    [Fact]
    public async Task LostRequestStream_ResumedWithLastEventId_DeliversTheResponse()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "30s"));
        using var session = await RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test", Sampling);

        // The call waits for a sampling answer: read up to the sampling request, then drop the stream.
        var call = await session.PostAsync(5, "tools/call", new JsonObject { ["name"] = "test_sampling", ["arguments"] = new JsonObject { ["prompt"] = "resume me" } });
        Assert.Equal("text/event-stream", call.Content.Headers.ContentType?.MediaType);
        var events = new List<SseEvent>();
        using (var reader = new StreamReader(await call.Content.ReadAsStreamAsync()))
        {
            while (await SseEvent.ReadAsync(reader).WaitAsync(TimeSpan.FromSeconds(20)) is { } e)
            {
                events.Add(e);
                if (e.Message?["method"]?.GetValue<string>() == "sampling/createMessage")
                {
                    break;
                }
            }
        }

        call.Dispose();
        Assert.True(events.Count >= 2, "expected a priming event and the sampling request");
        Assert.NotNull(events[0].Id);
        Assert.Null(events[0].Message);
        var samplingEvent = events[^1];
        Assert.NotNull(samplingEvent.Id);
        var samplingId = samplingEvent.Message!["id"]!.GetValue<long>();

        // Resuming from the priming event replays the sampling request the client already saw.
        using (var replay = await GetAsync(session, events[0].Id))
        using (var reader = new StreamReader(await replay.Content.ReadAsStreamAsync()))
        {
            var again = await SseEvent.ReadAsync(reader).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(samplingEvent.Id, again?.Id);
            Assert.Equal("sampling/createMessage", again?.Message?["method"]?.GetValue<string>());
        }

        // Answer it on a new POST, then resume after the sampling event: the tool's result arrives there.
        using var answered = await session.PostRawAsync(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = samplingId,
            ["result"] = new JsonObject
            {
                ["role"] = "assistant",
                ["model"] = "resume-model",
                ["content"] = new JsonObject { ["type"] = "text", ["text"] = "resumed answer" },
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, answered.StatusCode);

        using var resumed = await GetAsync(session, samplingEvent.Id);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        using var resumedReader = new StreamReader(await resumed.Content.ReadAsStreamAsync());
        var result = await SseEvent.ReadAsync(resumedReader).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(5, result?.Message?["id"]?.GetValue<long>());
        Assert.Contains("resumed answer", result!.Message!["result"]!["content"]![0]!["text"]!.GetValue<string>());

        // The resumed stream ends after the response, like the original would have.
        Assert.Null(await SseEvent.ReadAsync(resumedReader).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task GetStream_ResumedWithLastEventId_ReplaysOnlyMissedEvents()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "30s"));
        using var session = await RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test");

        // list_changed notifications take the GET stream; send two while it is open and note the first's id.
        string? firstId;
        using (var get = await GetAsync(session, null))
        using (var reader = new StreamReader(await get.Content.ReadAsStreamAsync()))
        {
            await TriggerListChangedAsync(session, 10);
            var first = await SseEvent.ReadAsync(reader).WaitAsync(TimeSpan.FromSeconds(20));
            firstId = first?.Id;
            Assert.Equal("notifications/tools/list_changed", first?.Message?["method"]?.GetValue<string>());
            await TriggerListChangedAsync(session, 11);
            var second = await SseEvent.ReadAsync(reader).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.NotNull(second?.Message);
        }

        Assert.NotNull(firstId);
        using var resumed = await GetAsync(session, firstId);
        using var resumedReader = new StreamReader(await resumed.Content.ReadAsStreamAsync());
        var replayed = await SseEvent.ReadAsync(resumedReader).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("notifications/tools/list_changed", replayed?.Message?["method"]?.GetValue<string>());
        Assert.NotEqual(firstId, replayed!.Id);
    }

    [Fact]
    public async Task LastEventIdFromElsewhere_OpensAnOrdinaryGetStream()
    {
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "30s"));
        using var session = await RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test");

        // An id another replica issued (or garbage) is not an error: the client gets the live GET stream.
        using var get = await GetAsync(session, "0123abcdr99-7");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("text/event-stream", get.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await get.Content.ReadAsStreamAsync());
        await TriggerListChangedAsync(session, 12);
        var live = await SseEvent.ReadAsync(reader).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("notifications/tools/list_changed", live?.Message?["method"]?.GetValue<string>());
    }

    private static async Task TriggerListChangedAsync(RawMcpSession session, long id)
    {
        var reply = await session.RequestAsync(id, "tools/call", new JsonObject { ["name"] = "notify_tools_changed", ["arguments"] = new JsonObject() });
        Assert.False(reply.ContainsKey("error"), reply.ToJsonString());
    }

    private static Task<HttpResponseMessage> GetAsync(RawMcpSession session, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, session.Url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Session-Id", session.SessionId);
        request.Headers.Add("MCP-Protocol-Version", RawMcpSession.ProtocolVersion);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return session.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>One server-sent event: its id and its JSON-RPC message (null for a priming event without data).</summary>
    private sealed record SseEvent(string? Id, JsonObject? Message)
    {
        public static async Task<SseEvent?> ReadAsync(StreamReader reader)
        {
            string? id = null;
            var data = new StringBuilder();
            var any = false;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    if (any)
                    {
                        return new SseEvent(id, data.Length > 0 ? JsonNode.Parse(data.ToString()) as JsonObject : null);
                    }

                    continue;
                }

                if (line.StartsWith(':'))
                {
                    continue;
                }

                any = true;
                if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line[3..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line[5..].TrimStart());
                }
            }

            return null;
        }
    }
}
