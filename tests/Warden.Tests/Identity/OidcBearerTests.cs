using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Warden.Core.Audit;
using Warden.Gateway.Security.Authentication;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Identity;

/// <summary>
/// Warden as a resource server for the company IdP (a real oidc-provider): valid tokens reach tools and name the user in
/// the audit log; every classic JWT attack is refused with 401 (or 403 for scope) and a challenge that leads to the metadata.
/// </summary>
public sealed class OidcBearerTests
{
    [Fact]
    public async Task ToolCall_WithUserTokenFromIdp_IsServedAndAuditNamesSubjectMethodAndMappedRoles()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var tokens = await idp.SignInAsync(IdentityKit.WebClient, IdentityKit.RedirectUri, "alice", warden.BaseUrl + "/mcp/test", clientSecret: IdentityKit.WebSecret);

        await using var client = await Clients.ConnectWithTokenAsync(warden.BaseUrl + "/mcp/test", tokens.AccessToken);
        var result = await client.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "as alice", ["delayMs"] = 0 });
        Assert.NotEqual(true, result.IsError);

        var call = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == "tools/call");
        Assert.Equal("alice", call.User.Subject);
        Assert.Equal("Alice Liddell", call.User.DisplayName);
        Assert.Equal("oidc", call.User.AuthMethod);
        Assert.Equal(["admin", "engineering"], call.User.Roles);
    }

    [Fact]
    public async Task Request_WithoutToken_Gets401WithResourceMetadataThatResolvesToThisEndpoint()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = IdentityKit.Challenge(response);
        Assert.Equal(warden.BaseUrl + "/.well-known/oauth-protected-resource/mcp/test", challenge["resource_metadata"]);
        Assert.Equal("mcp", challenge["scope"]);

        using var http = new HttpClient();
        var metadata = JsonNode.Parse(await http.GetStringAsync(challenge["resource_metadata"]))!.AsObject();
        Assert.Equal(warden.BaseUrl + "/mcp/test", metadata["resource"]!.GetValue<string>());
        Assert.Equal(idp.Issuer, Assert.Single(metadata["authorization_servers"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Token_Expired_Is401WithInvalidToken()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        var clock = new ShiftableClock();
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer), time: clock);
        var token = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        using (var fresh = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        // Ten minutes of lifetime and one of skew later.
        clock.Advance(TimeSpan.FromMinutes(12));
        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token);
        AssertRefused(response, "expired");
    }

    [Fact]
    public async Task Token_NotYetValid_Is401()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var token = (await idp.ClientCredentialsAsync(IdentityKit.EarlyClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token);
        AssertRefused(response, "not valid before");
    }

    [Fact]
    public async Task Token_ForAnotherResource_Is401AndNamesTheResourceToAskFor()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var elsewhere = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, "https://other-service.example.com/mcp")).AccessToken;

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", elsewhere);
        var description = AssertRefused(response, "not issued for this resource");
        Assert.Contains("resource=" + warden.BaseUrl + "/mcp/test", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ForTheBaseResource_IsAcceptedOnEveryEndpoint_AndOneForAnotherEndpointIsNot()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var baseToken = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl)).AccessToken;
        var otherEndpoint = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/other")).AccessToken;

        using (var endpoint = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", baseToken))
        {
            Assert.Equal(HttpStatusCode.OK, endpoint.StatusCode);
        }

        using (var aggregate = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp", baseToken))
        {
            Assert.Equal(HttpStatusCode.OK, aggregate.StatusCode);
        }

        using var refused = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", otherEndpoint);
        AssertRefused(refused, "not issued for this resource");
    }

    [Fact]
    public async Task Token_FromAnotherIssuer_Is401()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var rogue = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var foreign = (await rogue.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", foreign);
        AssertRefused(response, "accepts tokens from " + idp.Issuer);
    }

    [Fact]
    public async Task Token_WithAlgNone_Is401()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var valid = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        var unsigned = IdentityKit.Encode(new JsonObject { ["alg"] = "none", ["typ"] = "at+jwt" }) + "." + valid.Split('.')[1] + ".";

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", unsigned);
        AssertRefused(response, "signed with 'none'");
    }

    [Fact]
    public async Task Token_HmacSignedWithTheIdpsPublicKey_Is401()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var valid = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        var jwk = (await idp.JwksAsync())["keys"]!.AsArray()[0]!.AsObject();
        var forged = IdentityKit.HmacWithPublicKey(valid, jwk);

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", forged);
        AssertRefused(response, "signed with 'HS256'");
    }

    [Fact]
    public async Task Token_WithTamperedPayload_Is401()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var valid = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        var payload = IdentityKit.Payload(valid);
        payload["sub"] = "alice";
        payload["roles"] = new JsonArray("warden-admin");
        var parts = valid.Split('.');
        var tampered = parts[0] + "." + IdentityKit.Encode(payload) + "." + parts[2];

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", tampered);
        AssertRefused(response, "signature does not verify");
    }

    [Fact]
    public async Task Token_WithUnknownKid_Is401_AndFloodsFetchTheIdpsKeysAtMostOncePerInterval()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        var logs = new CapturedLogs();
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer, keyRefreshInterval: "1h"), logs: logs);
        var valid = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        var forged = IdentityKit.SignedWithForeignKey(IdentityKit.Payload(valid));

        for (var i = 0; i < 5; i++)
        {
            using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", forged);
            AssertRefused(response, "kid 'attacker-key'");
        }

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(logs.Text, @"\[4102\]"));
    }

    [Fact]
    public async Task Token_WithoutRequiredScope_Is403InsufficientScopeNamingTheScope()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var token = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test", scope: "other")).AccessToken;

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = IdentityKit.Challenge(response);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal("mcp", challenge["scope"]);
        Assert.Equal(warden.BaseUrl + "/.well-known/oauth-protected-resource/mcp/test", challenge["resource_metadata"]);
    }

    [Fact]
    public async Task ValidToken_AfterTheIdpStops_IsStillAccepted()
    {
        var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer, extraOidc: "    metadataRefreshInterval: 5m"));
        var token = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        await using (var before = await Clients.ConnectWithTokenAsync(warden.BaseUrl + "/mcp/test", token))
        {
            Assert.NotEqual(true, (await before.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "up", ["delayMs"] = 0 })).IsError);
        }

        await idp.DisposeAsync();

        await using var after = await Clients.ConnectWithTokenAsync(warden.BaseUrl + "/mcp/test", token);
        var result = await after.CallToolAsync("slow_echo", new Dictionary<string, object?> { ["message"] = "idp down", ["delayMs"] = 0 });
        Assert.Contains("idp down", Assert.IsType<TextContentBlock>(result.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyRotationAtTheIdp_TokenWithTheNewKid_IsAccepted()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var first = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        using (var before = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", first))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var kid = await idp.RotateKeysAsync();
        var second = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, warden.BaseUrl + "/mcp/test")).AccessToken;
        Assert.Equal(kid, IdentityKit.Header(second)["kid"]!.GetValue<string>());

        using var after = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", second);
        Assert.True(after.StatusCode == HttpStatusCode.OK, string.Join(", ", after.Headers.WwwAuthenticate));
        using var old = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", first);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
    }

    [Fact]
    public async Task RefusedToken_IsAnAuditRecord_WithoutTheToken()
    {
        await using var idp = await OidcProviderProcess.StartAsync(IdentityKit.Idp());
        await using var warden = await WardenHost.StartAsync(IdentityKit.Config(idp.Issuer));
        var elsewhere = (await idp.ClientCredentialsAsync(IdentityKit.ServiceClient, IdentityKit.ServiceSecret, "https://other-service.example.com/mcp")).AccessToken;

        using var response = await IdentityKit.InitializeAsync(warden.BaseUrl + "/mcp/test", elsewhere);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var refusal = Assert.Single(await IdentityKit.RecordsAsync(warden), r => r.Input.Method == AuthEvents.CredentialRefused);
        Assert.Equal(AuditSource.Auth, refusal.Source);
        Assert.Equal(AuditEffect.Deny, refusal.Decision.Effect);
        Assert.Equal("oidc", refusal.User.AuthMethod);
        Assert.Contains("not issued for this resource", refusal.Decision.Reason, StringComparison.Ordinal);
        Assert.Equal("/mcp/test", refusal.Input.Arguments!["path"]!.GetValue<string>());
        Assert.Equal(16, refusal.Input.Arguments["credential_fingerprint"]!.GetValue<string>().Length);
        Assert.DoesNotContain(elsewhere.Split('.')[2], System.Text.Json.JsonSerializer.Serialize(refusal), StringComparison.Ordinal);
    }

    // A refusal is 401 invalid_token with a description (never the token) and the endpoint's metadata URL.
    private static string AssertRefused(HttpResponseMessage response, string expected)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = IdentityKit.Challenge(response);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.EndsWith("/.well-known/oauth-protected-resource/mcp/test", challenge["resource_metadata"], StringComparison.Ordinal);
        Assert.Contains(expected, challenge["error_description"], StringComparison.Ordinal);
        return challenge["error_description"];
    }
}
