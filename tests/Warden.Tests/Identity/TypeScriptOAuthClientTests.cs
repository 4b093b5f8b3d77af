using System.Text.Json.Nodes;
using Warden.Tests.Infrastructure;
using Warden.Tests.Interop;

namespace Warden.Tests.Identity;

/// <summary>
/// A real MCP client's OAuth implementation (the TypeScript SDK's) against Warden and a real IdP, headless:
/// 401 → protected resource metadata → IdP discovery → dynamic registration → authorization code + PKCE with the
/// resource indicator → token → tools/call through Warden.
/// </summary>
public sealed class TypeScriptOAuthClientTests
{
    [Fact]
    public async Task TypeScriptSdkClient_DiscoversRegistersSignsInAndCallsThroughWarden()
    {
        _ = NodeTools.TypeScriptSdk;
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp(registration: true));
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var endpoint = warden.BaseUrl + "/mcp/test";
        var plan = new JsonObject
        {
            ["url"] = endpoint,
            ["user"] = "alice",
            ["call"] = new JsonObject { ["name"] = "slow_echo", ["arguments"] = new JsonObject { ["message"] = "via ts oauth", ["delayMs"] = 0 } },
        };

        var run = await NodeProcess.RunAsync(NodeTools.Script("oauth-idp-client.mjs"), [plan.ToJsonString()], TimeSpan.FromSeconds(90));
        var output = run.Json().AsObject();

        Assert.True(output["unauthorizedFirst"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(output["registeredClientId"]?.GetValue<string>()));
        var authorization = output["authorization"]!.AsObject();
        Assert.Equal(idp.Issuer + "/auth", authorization["endpoint"]!.GetValue<string>());
        Assert.Equal(endpoint, authorization["resource"]!.GetValue<string>());
        Assert.Equal("mcp", authorization["scope"]!.GetValue<string>());
        Assert.Equal("S256", authorization["codeChallengeMethod"]!.GetValue<string>());
        var token = output["token"]!.AsObject();
        Assert.Equal(endpoint, token["aud"]!.GetValue<string>());
        Assert.Equal("alice", token["sub"]!.GetValue<string>());
        Assert.Contains("via ts oauth", output["result"]!["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);

        var call = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == "tools/call");
        Assert.Equal("alice", call.User.Subject);
        Assert.Equal("oidc", call.User.AuthMethod);
    }
}
