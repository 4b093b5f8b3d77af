using System.Text.Json.Nodes;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Gateway.AuthorizationServer;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Interop;

/// <summary>The TypeScript MCP SDK's OAuth client against Warden as authorization server, end to end and headless.</summary>
public sealed class OAuthInteropTests
{
    [Fact]
    public async Task TypeScriptSdkAuth_DiscoverRegisterAuthorizeCallRefresh_WorksAndReplayRevokes()
    {
        await using var warden = await WardenHost.StartAsync(OAuthConfigs.Server());
        var plan = new JsonObject
        {
            ["url"] = warden.BaseUrl + "/mcp/test",
            ["username"] = OAuthConfigs.User,
            ["password"] = OAuthConfigs.Password,
            ["call"] = new JsonObject { ["name"] = "slow_echo", ["arguments"] = new JsonObject { ["message"] = "through oauth", ["delayMs"] = 1 } },
        };

        _ = NodeTools.TypeScriptSdk;
        var run = await NodeProcess.RunAsync(NodeTools.Script("oauth-warden-client.mjs"), [plan.ToJsonString()], TimeSpan.FromSeconds(90));
        Assert.True(run.ExitCode == 0, $"oauth-warden-client.mjs failed:\n{run.Stderr}\n{run.Stdout}");
        var output = run.Json().AsObject();

        Assert.StartsWith("wdc_", output["clientId"]!.GetValue<string>());
        Assert.Equal("S256", output["codeChallengeMethod"]!.GetValue<string>());
        Assert.Equal(warden.BaseUrl + "/mcp/test", output["resource"]!.GetValue<string>());
        Assert.Equal("Bearer", output["tokenType"]!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        Assert.True(output["hasRefreshToken"]!.GetValue<bool>());
        Assert.Equal("through oauth", output["call"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("AUTHORIZED", output["refresh"]!.GetValue<string>());
        Assert.True(output["refreshTokenRotated"]!.GetValue<bool>());
        Assert.Equal("through oauth", output["callAfterRefresh"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(400, output["replay"]!["status"]!.GetValue<int>());
        Assert.Equal("invalid_grant", output["replay"]!["body"]!["error"]!.GetValue<string>());
        Assert.Equal(401, output["afterReplay"]!["status"]!.GetValue<int>());

        // The browser went login page -> credentials -> consent -> back to the client.
        var steps = output["browser"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Contains("POST /oauth/login -> 302", steps);
        Assert.Contains("POST /oauth/authorize -> 302", steps);

        // Every identity event left a record: registration, login, consent, token issuance (granted and refused).
        var methods = await AuthRecords.MethodsAsync(warden);
        Assert.Contains(AuthEvents.ClientRegistered, methods);
        Assert.Contains(AuthEvents.Login, methods);
        Assert.Contains(AuthEvents.Consent, methods);
        Assert.Contains(AuthEvents.TokenIssued, methods);
        Assert.Contains(AuthEvents.CredentialRefused, methods);
    }
}
