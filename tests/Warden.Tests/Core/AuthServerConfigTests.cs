using Warden.Core.Configuration;

namespace Warden.Tests.Core;

/// <summary>The auth.server section: what it accepts and how it says what is wrong.</summary>
public sealed class AuthServerConfigTests
{
    [Fact]
    public void Parse_FullSection_ReadsEverySetting()
    {
        var result = ConfigParser.Parse("""
            auth:
              server:
                issuer: https://warden.example.com/
                accessTokenLifetime: 5m
                refreshTokenLifetime: 7d
                dynamicRegistration: false
                clientMetadataDocuments: false
                allowedRedirectHosts: ["*.example.com", "localhost"]
                maxFailedLogins: 4
                loginLockout: 30m
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var server = result.Config!.Auth.Server!;
        Assert.Equal("https://warden.example.com", server.Issuer);
        Assert.Equal(TimeSpan.FromMinutes(5), server.AccessTokenLifetime);
        Assert.Equal(TimeSpan.FromDays(7), server.RefreshTokenLifetime);
        Assert.False(server.DynamicRegistration);
        Assert.False(server.ClientMetadataDocuments);
        Assert.Equal(["*.example.com", "localhost"], server.AllowedRedirectHosts);
        Assert.Equal(4, server.MaxFailedLogins);
        Assert.Equal(TimeSpan.FromMinutes(30), server.LoginLockout);
    }

    [Theory]
    [InlineData("issuer: http://warden.example.com", "auth.server.issuer", "must use https")]
    [InlineData("issuer: https://warden.example.com/?x=1", "auth.server.issuer", "must not have a query")]
    [InlineData("accessTokenLifetime: 2h", "auth.server.accessTokenLifetime", "at most 1h")]
    [InlineData("allowedRedirectHosts: [\"https://x.example\"]", "auth.server.allowedRedirectHosts[0]", "no scheme")]
    [InlineData("users:\n      bob:\n        passwordHash: hunter2", "auth.server.users.bob.passwordHash", "warden users set-password bob")]
    [InlineData("users:\n      bob:\n        roles: [x]", "auth.server.users.bob.passwordHash", "never a clear password")]
    [InlineData("signup: true", "auth.server.signup", "is not a known setting")]
    public void Parse_BadSetting_ErrorNamesPathAndFix(string setting, string path, string message)
    {
        var result = ConfigParser.Parse($"""
            auth:
              server:
                {setting}
            """);

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HttpPublicUrlAsIssuer_Rejected()
    {
        var result = ConfigParser.Parse("""
            listen:
              publicUrl: http://warden.example.com
            auth:
              server: {}
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("listen.publicUrl", error.Path);
        Assert.Contains("auth.server.issuer is not set", error.Message, StringComparison.Ordinal);
    }
}
