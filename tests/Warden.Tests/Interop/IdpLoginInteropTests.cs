using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Identity;
using Warden.Tests.Identity.IdpLogin;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>
/// The TypeScript MCP SDK's OAuth client against Warden as authorization server whose users sign in at the company
/// IdP (a real oidc-provider): the "browser" clicks the IdP's button, signs in there, comes back through Warden's
/// callback, consents, and the client calls a tool with Warden's token.
/// </summary>
public sealed class IdpLoginInteropTests
{
    [Fact]
    public async Task TypeScriptSdkAuth_SignInAtUpstreamIdp_ToolCallAuditNamesIdpUserAndMappedRoles()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdpLoginKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdpLoginKit.Config(idp.Issuer));
        await IdpLoginKit.RegisterWardenAsync(idp, warden);
        var plan = new JsonObject
        {
            ["url"] = warden.BaseUrl + "/mcp/test",
            ["username"] = "carol",
            ["password"] = "carol-pw",
            ["idp"] = IdpLoginKit.Provider,
            ["call"] = new JsonObject { ["name"] = "slow_echo", ["arguments"] = new JsonObject { ["message"] = "via the idp", ["delayMs"] = 1 } },
        };

        _ = NodeTools.TypeScriptSdk;
        var run = await NodeProcess.RunAsync(NodeTools.Script("oauth-warden-client.mjs"), [plan.ToJsonString()], TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 0, $"oauth-warden-client.mjs failed:\n{run.Stderr}\n{run.Stdout}\nIdP log:\n{idp.Log}");
        var output = run.Json().AsObject();
        Assert.Equal("via the idp", output["call"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.True(output["refreshTokenRotated"]!.GetValue<bool>());

        // The browser went to the IdP and came back through Warden's callback; no password was posted to Warden.
        var steps = output["browser"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Contains($"GET /oauth/login/{IdpLoginKit.Provider} -> 302", steps);
        Assert.Contains(steps, s => s.StartsWith("POST /interaction/", StringComparison.Ordinal));
        Assert.Contains($"GET /oauth/login/{IdpLoginKit.Provider}/callback -> 302", steps);
        Assert.DoesNotContain("POST /oauth/login -> 302", steps);

        var records = await IdentityKit.RecordsAsync(warden);
        var login = Assert.Single(records, r => r.Input.Method == AuthEvents.Login);
        Assert.Equal("carol", login.User.Subject);
        Assert.Equal(["engineering"], login.User.Roles);
        Assert.Contains(IdpLoginKit.Provider, login.Decision.Reason);
        Assert.Equal("eng-platform", login.Input.Arguments!["groups"]![0]!.GetValue<string>());

        // Two calls: one with the first access token, one after the refresh; both are Carol with her mapped roles.
        var calls = records.Where(r => r.Input.Method == "tools/call").ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, call =>
        {
            Assert.Equal("carol", call.User.Subject);
            Assert.Equal("Carol Platform", call.User.DisplayName);
            Assert.Equal(["engineering"], call.User.Roles);
            Assert.Equal(AuditEffect.Allow, call.Decision.Effect);
        });
    }
}
