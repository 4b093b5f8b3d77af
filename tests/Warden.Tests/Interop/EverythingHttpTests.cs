using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// server-everything as a Streamable HTTP upstream (its own process on a loopback port; Warden config
/// <c>url:</c> only): Warden's /mcp/everything answers as the server does directly.
/// </summary>
public sealed class EverythingHttpTests(EverythingHttpServerFixture fixture) : IClassFixture<EverythingHttpServerFixture>
{
    [Fact]
    public async Task ToolsAndCalls_CSharpClientThroughServerEndpoint_MatchDirectConnection()
    {
        var upstream = fixture.Server;
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Http(upstream.Url));
        await using var direct = await Clients.ConnectAsync(upstream.Url);
        await using var client = await warden.ConnectAsync("/mcp/everything");

        var expectedTools = await InteropJson.ToolsAsync(direct);
        var actualTools = await InteropJson.ToolsAsync(client);
        var expectedCalls = await InteropJson.CallsAsync(direct, EverythingCalls.All);
        var actualCalls = await InteropJson.CallsAsync(client, EverythingCalls.All);

        Assert.Equal("warden", client.ServerInfo?.Name);
        Assert.NotEmpty(expectedTools);
        Assert.Equal(InteropJson.Canonical(expectedTools), InteropJson.Canonical(actualTools));
        Assert.Equal(InteropJson.Canonical(expectedCalls), InteropJson.Canonical(actualCalls));
    }

    [Fact]
    public async Task ToolsAndCalls_TypeScriptClientThroughServerEndpoint_MatchDirectConnection()
    {
        var upstream = fixture.Server;
        await using var warden = await WardenHost.StartAsync(InteropConfigs.Http(upstream.Url));
        var calls = ToolCall.ToJson(EverythingCalls.All);

        var directRun = TsClient.RunAsync(TsClient.Http("list-call", upstream.Url).With("calls", calls.DeepClone()));
        var wardenRun = TsClient.RunAsync(TsClient.Http("list-call", warden.BaseUrl + "/mcp/everything").With("calls", calls.DeepClone()));
        var (expected, actual) = (await directRun, await wardenRun);

        Assert.Equal("warden", actual["serverInfo"]!["name"]!.GetValue<string>());
        Assert.NotEmpty(expected["tools"]!.AsArray());
        Assert.Equal(InteropJson.Canonical(expected["tools"]), InteropJson.Canonical(actual["tools"]));
        Assert.Equal(InteropJson.Canonical(expected["calls"]), InteropJson.Canonical(actual["calls"]));
    }
}
