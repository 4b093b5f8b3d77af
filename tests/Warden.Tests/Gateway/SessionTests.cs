using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using Warden.Core.Sessions;
using Warden.Gateway.Mcp;
using Warden.Gateway.Upstreams;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Gateway;

/// <summary>Sessions survive replicas and configuration reloads.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task Session_OpenedOnOneReplica_IsServedByAnother()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var yaml = Configs.HttpTestServer(upstream.Url) + $"\nsessions:\n  key: {key}\n";
        await using var replicaA = await WardenHost.StartAsync(yaml);
        await using var replicaB = await WardenHost.StartAsync(yaml);

        await using var client = await replicaA.ConnectAsync("/mcp/web");
        var sessionId = client.SessionId!;
        await using var again = await Clients.ConnectResumedAsync(replicaB.BaseUrl + "/mcp/web", sessionId, client);

        var result = await again.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "served by B", ["delayMs"] = 1 });

        Assert.Contains("served by B", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task HttpUpstream_CallsRightAfterInitialize_CarryUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url));

        // Each new session initializes upstream and calls at once: the call must not race the upstream session id.
        for (var i = 0; i < 20; i++)
        {
            await using var client = await warden.ConnectAsync("/mcp/web");
            var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = $"n{i}", ["delayMs"] = 0 });
            Assert.Equal($"n{i}", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        }
    }

    [Fact]
    public async Task ConfigReload_AddsServer_WithoutDroppingExistingSessions()
    {
        var directory = Directory.CreateTempSubdirectory("warden-reload-").FullName;
        var path = Path.Combine(directory, "warden.yaml");
        await File.WriteAllTextAsync(path, Configs.StdioTestServer("one"));
        var parsed = Warden.Core.Configuration.ConfigParser.ParseFile(path);
        await using var warden = await WardenHost.StartAsync(parsed.Config!);
        await using var client = await warden.ConnectAsync("/mcp/one");
        Assert.NotEmpty(await client.ListToolsAsync());

        var both = Configs.StdioTestServer("one") + "\n" + string.Join("\n", Configs.StdioTestServer("two").Split('\n').Skip(1));
        await File.WriteAllTextAsync(path, both);

        Warden.Tests.Infrastructure.Polling.Until(() => Readyz(warden).Contains("\"two\""), TimeSpan.FromSeconds(20));
        await using var second = await warden.ConnectAsync("/mcp/two");
        Assert.NotEmpty(await second.ListToolsAsync());

        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "still in session", ["delayMs"] = 1 });
        Assert.Contains("still in session", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [Fact]
    public async Task IdleSweep_FreesSession_UpstreamSessionStaysOpenForResume()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var yaml = Configs.HttpTestServer(upstream.Url) + $"\nsessions:\n  key: {key}\n";
        var clock = new ShiftableClock();
        await using var replicaA = await WardenHost.StartAsync(yaml, time: clock);
        await using var replicaB = await WardenHost.StartAsync(yaml);
        await using var client = await replicaA.ConnectAsync("/mcp/web");
        var upstreamSession = await UpstreamSessions.IdOfAsync(client);

        clock.Advance(TimeSpan.FromHours(2));
        await replicaA.Services.GetRequiredService<SessionStore>().SweepAsync();

        Assert.Equal(0, Connections(replicaA, "web"));
        Assert.Equal(HttpStatusCode.OK, await UpstreamSessions.PingAsync(upstream.Url, upstreamSession));
        await using var resumed = await Clients.ConnectResumedAsync(replicaB.BaseUrl + "/mcp/web", client.SessionId!, client);
        Assert.Equal(upstreamSession, await UpstreamSessions.IdOfAsync(resumed));
        Assert.Equal(upstreamSession, await UpstreamSessions.IdOfAsync(client));
    }

    [Fact]
    public async Task IdleLinkClosed_NextCall_ResumesSameUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url) + "\n    idleTimeout: 1m\n", time: clock);
        await using var client = await warden.ConnectAsync("/mcp/web");
        var upstreamSession = await UpstreamSessions.IdOfAsync(client);

        // Past the link's idle timeout, within the session's: only the upstream connection is let go.
        clock.Advance(TimeSpan.FromMinutes(5));
        await warden.Services.GetRequiredService<SessionStore>().SweepAsync();

        Assert.Equal(0, Connections(warden, "web"));
        Assert.Equal(upstreamSession, await UpstreamSessions.IdOfAsync(client));
    }

    [Fact]
    public async Task IdleSweep_UpstreamSessionTheTicketDoesNotName_IsEnded()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url), time: clock);
        await using var client = await warden.ConnectAsync("/mcp/web");
        var named = await UpstreamSessions.IdOfAsync(client);

        // The same client session, sealed without its upstream session: as for a link opened after initialize,
        // Warden opens an upstream session that no replica could resume.
        var sealer = warden.Services.GetRequiredService<SessionSealer>();
        var unnamedTicket = sealer.Open(client.SessionId!)! with { UpstreamSessions = null };
        await using var other = await Clients.ConnectResumedAsync(warden.BaseUrl + "/mcp/web", sealer.Seal(unnamedTicket), client);
        var unnamed = await UpstreamSessions.IdOfAsync(other);
        Assert.NotEqual(named, unnamed);

        clock.Advance(TimeSpan.FromHours(2));
        await warden.Services.GetRequiredService<SessionStore>().SweepAsync();

        Assert.Equal(HttpStatusCode.NotFound, await UpstreamSessions.PingAsync(upstream.Url, unnamed));
        Assert.Equal(HttpStatusCode.OK, await UpstreamSessions.PingAsync(upstream.Url, named));
    }

    [Fact]
    public async Task ClientDelete_EndsUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url));
        var client = await warden.ConnectAsync("/mcp/web");
        var upstreamSession = await UpstreamSessions.IdOfAsync(client);
        Assert.Equal(HttpStatusCode.OK, await UpstreamSessions.PingAsync(upstream.Url, upstreamSession));

        // The SDK client ends its session with DELETE when disposed.
        await client.DisposeAsync();

        Assert.Equal(HttpStatusCode.NotFound, await UpstreamSessions.PingAsync(upstream.Url, upstreamSession));
    }

    [Fact]
    public async Task ClientDelete_OnReplicaThatNeverServedTheSession_EndsUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var yaml = Configs.HttpTestServer(upstream.Url) + $"\nsessions:\n  key: {key}\n";
        await using var replicaA = await WardenHost.StartAsync(yaml);
        await using var replicaB = await WardenHost.StartAsync(yaml);
        await using var client = await replicaA.ConnectAsync("/mcp/web");
        var upstreamSession = await UpstreamSessions.IdOfAsync(client);

        using var http = new HttpClient();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, replicaB.BaseUrl + "/mcp/web");
        delete.Headers.Add("Mcp-Session-Id", client.SessionId);
        delete.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(delete);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await UpstreamSessions.PingAsync(upstream.Url, upstreamSession));
    }

    [Fact]
    public async Task Sweep_SessionPastMaxLifetime_EndsUpstreamSession()
    {
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(Configs.HttpTestServer(upstream.Url) + "\nsessions:\n  maxLifetime: 1h\n", time: clock);
        await using var client = await warden.ConnectAsync("/mcp/web");
        var upstreamSession = await UpstreamSessions.IdOfAsync(client);

        clock.Advance(TimeSpan.FromHours(2));
        await warden.Services.GetRequiredService<SessionStore>().SweepAsync();

        Assert.Equal(HttpStatusCode.NotFound, await UpstreamSessions.PingAsync(upstream.Url, upstreamSession));
    }

    private static int Connections(WardenHost warden, string server) =>
        warden.Services.GetRequiredService<UpstreamRegistry>().Health().Single(h => h.Name == server).Connections;

    private static string Readyz(WardenHost warden)
    {
        using var http = warden.AdminHttp();
        return http.GetStringAsync(warden.BaseUrl + "/readyz").GetAwaiter().GetResult();
    }
}
