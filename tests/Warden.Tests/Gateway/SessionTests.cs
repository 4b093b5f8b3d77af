using System.Security.Cryptography;
using ModelContextProtocol.Protocol;
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

    private static string Readyz(WardenHost warden)
    {
        using var http = new HttpClient();
        return http.GetStringAsync(warden.BaseUrl + "/readyz").GetAwaiter().GetResult();
    }
}
