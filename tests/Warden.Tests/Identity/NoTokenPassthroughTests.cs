using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>The client's token is for Warden alone: an HTTP upstream never sees an Authorization header from it.</summary>
public sealed class NoTokenPassthroughTests
{
    [Fact]
    public async Task ToolCall_ToHttpUpstream_NeverCarriesTheClientsAuthorizationHeader()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var upstream = await TestServerProcess.StartHttpAsync();
        var servers = $"""
              web:
                url: {upstream.Url}
                transport: streamable-http
                protocolVersion: 2025-11-25
            """;
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer, servers: servers));
        var token = (await idp.SignInAsync(IdentityKit.WebClient, IdentityKit.RedirectUri, "alice", warden.BaseUrl, clientSecret: IdentityKit.WebSecret)).AccessToken;

        await using var client = await Clients.ConnectWithTokenAsync(warden.BaseUrl + "/mcp/web", token);
        var result = await client.CallToolAsync("echo_http_headers", new Dictionary<string, object?>());

        var report = JsonNode.Parse(Assert.IsType<TextContentBlock>(result.Content[0]).Text)!.AsObject();
        Assert.Equal("http", report["transport"]!.GetValue<string>());
        Assert.Null(report["headers"]!["authorization"]);
        Assert.True(report["requestsSeen"]!.GetValue<int>() >= 2, report.ToJsonString());
        Assert.Equal(0, report["authorizationSeen"]!.GetValue<int>());
        Assert.DoesNotContain(token.Split('.')[2], report.ToJsonString(), StringComparison.Ordinal);
    }
}
