using Warden.Core.Configuration;

namespace Warden.Tests.Identity.IdpLogin;

/// <summary><c>auth.server.idp</c> at load: adapters set the claim names and userinfo, bad settings are refused with the fix.</summary>
public sealed class IdpLoginConfigTests
{
    private const string Head = "auth:\n  server:\n    idp:\n      issuer: https://login.example.com\n      clientId: warden\n";

    [Fact]
    public void Parse_EntraAdapter_ReadsOidWithoutUserInfoAndKeepsOpenid()
    {
        var result = ConfigParser.Parse(Head + "      adapter: entra\n      scopes: [profile, email]\n      clientSecret: s3cret\n");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var idp = result.Config!.Auth.Server!.Idp!;
        Assert.Equal(UpstreamIdpAdapter.Entra, idp.Adapter);
        Assert.Equal("oid", idp.Claims.Subject);
        Assert.False(idp.UserInfo);
        Assert.Equal(["openid", "profile", "email"], idp.Scopes);
        Assert.Equal("idp", idp.Name);
    }

    [Fact]
    public void Parse_CognitoAdapterWithClaimOverride_KeepsAdapterDefaultsForTheRest()
    {
        var result = ConfigParser.Parse(Head + "      adapter: cognito\n      claims:\n        name: cognito:username\n");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var idp = result.Config!.Auth.Server!.Idp!;
        Assert.Equal("cognito:groups", idp.Claims.Groups);
        Assert.Equal("cognito:username", idp.Claims.Name);
        Assert.False(idp.UserInfo);
    }

    [Theory]
    [InlineData("name: \"Corp IdP\"", "auth.server.idp.name", "lower-case")]
    [InlineData("adapter: okta", "auth.server.idp.adapter", "generic, entra, cognito")]
    [InlineData("algorithms: [HS256]", "auth.server.idp.algorithms", "asymmetric")]
    [InlineData("discoveryUrl: http://login.example.com/.well-known/openid-configuration", "auth.server.idp.discoveryUrl", "https")]
    public void Parse_BadIdpSetting_IsRefusedWithTheReason(string line, string path, string message)
    {
        var result = ConfigParser.Parse(Head + "      " + line + "\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IdpWithoutIssuerOrClientId_NamesBoth()
    {
        var result = ConfigParser.Parse("auth:\n  server:\n    idp:\n      name: corp\n");
        Assert.Contains(result.Errors, e => e.Path == "auth.server.idp.issuer" && e.Message.Contains("required", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "auth.server.idp.clientId" && e.Message.Contains("redirect URI", StringComparison.Ordinal));
    }
}
