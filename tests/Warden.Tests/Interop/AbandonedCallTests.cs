using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>A client that goes away mid-call (closing its POST) frees Warden's handler for that request at once.</summary>
public sealed class AbandonedCallTests
{
    [Fact]
    public async Task ClientDisconnects_WhileUpstreamAwaitsSamplingAnswer_RequestHandlerEnds()
    {
        // The upstream's call waits for a sampling answer that never comes, so only the disconnect can end the
        // handler before Warden's own timeout (15s) does.
        await using var warden = await WardenHost.StartAsync(InteropConfigs.TestServer(timeout: "15s"));
        using var session = await RawMcpSession.InitializeAsync(warden.BaseUrl + "/mcp/test", new JsonObject { ["sampling"] = new JsonObject() });
        using var probe = new RequestProbe();
        using (var control = new RequestProbe())
        {
            // The probe itself works: an ordinary marked call is seen to end.
            using var answered = await session.PostAsync(3, "tools/call", new JsonObject { ["name"] = "last_cancelled", ["arguments"] = new JsonObject() }, control.Marker);
            Assert.Contains("null", await answered.Content.ReadAsStringAsync());
            await control.Ended.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var response = await session.PostAsync(7, "tools/call", new JsonObject { ["name"] = "sample", ["arguments"] = new JsonObject { ["prompt"] = "never answered" } }, probe.Marker);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            // Read until the sampling request arrives: the call is now in flight upstream and on this stream.
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) is { } line && !line.Contains("sampling/createMessage", StringComparison.Ordinal))
            {
            }
        }

        response.Dispose();

        // "Disconnecting is not cancelling": the upstream call may go on, but this request's handler must return.
        var ended = await Task.WhenAny(probe.Ended, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(ended == probe.Ended, "Warden's handler for the abandoned POST did not return within 10s of the client disconnecting (it ran until the upstream timeout).");
    }
}
