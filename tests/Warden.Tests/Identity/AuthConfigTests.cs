using Warden.Core.Configuration;
using Warden.Core.Identity;

namespace Warden.Tests.Identity;

/// <summary>The auth section: accepted settings, refused ones with a reason, and role mapping rules.</summary>
public sealed class AuthConfigTests
{
    [Fact]
    public void Parse_FullOidcSection_ReadsEverySetting()
    {
        var config = Parse("""
            auth:
              resource: https://warden.example.com/
              oidc:
                issuer: https://login.example.com/realms/corp
                audiences: [api://warden]
                algorithms: [RS256, ES256]
                clockSkew: 30s
                requiredScopes: [mcp, "mcp:tools"]
                claims: { subject: oid, groups: grp }
                keyRefreshInterval: 30s
              roleMapping:
                rules:
                  - role: engineering
                    groups: ["eng-*"]
                default: [viewer]
            """);

        Assert.Equal("https://warden.example.com", config.Auth.Resource);
        var oidc = config.Auth.Oidc!;
        Assert.Equal("https://login.example.com/realms/corp", oidc.Issuer);
        Assert.Equal(["api://warden"], oidc.Audiences);
        Assert.Equal(["RS256", "ES256"], oidc.Algorithms);
        Assert.Equal(TimeSpan.FromSeconds(30), oidc.ClockSkew);
        Assert.Equal(["mcp", "mcp:tools"], oidc.RequiredScopes);
        Assert.Equal("oid", oidc.Claims.Subject);
        Assert.Equal("grp", oidc.Claims.Groups);
        Assert.Equal("email", oidc.Claims.Email);
        Assert.Equal(["viewer"], config.Auth.RoleMapping.Default);
    }

    [Theory]
    [InlineData("algorithms: [HS256]", "auth.oidc.algorithms", "never accepted")]
    [InlineData("algorithms: [none]", "auth.oidc.algorithms", "never accepted")]
    [InlineData("clockSkew: 1h", "auth.oidc.clockSkew", "at most 5m")]
    [InlineData("requiredScopes: [\"a b\"]", "auth.oidc.requiredScopes", "scope token")]
    [InlineData("keyRefreshInterval: 10ms", "auth.oidc.keyRefreshInterval", "at least 1s")]
    public void Parse_UnsafeOidcSetting_IsRefusedWithTheReason(string line, string path, string message)
    {
        var result = ConfigParser.Parse($"auth:\n  oidc:\n    issuer: https://login.example.com\n    {line}\n");
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HttpIssuerOffLoopbackOrMissingIssuer_IsRefused()
    {
        var http = ConfigParser.Parse("auth:\n  oidc:\n    issuer: http://login.example.com\n");
        Assert.Contains(http.Errors, e => e.Path == "auth.oidc.issuer" && e.Message.Contains("https", StringComparison.Ordinal));

        var missing = ConfigParser.Parse("auth:\n  oidc:\n    requiredScopes: [mcp]\n");
        Assert.Contains(missing.Errors, e => e.Path == "auth.oidc.issuer" && e.Message.Contains("required", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WildcardListenWithoutResource_AsksForTheResource()
    {
        var result = ConfigParser.Parse("listen:\n  urls: [\"http://0.0.0.0:8787\"]\nauth:\n  oidc:\n    issuer: https://login.example.com\n");
        Assert.Contains(result.Errors, e => e.Path == "auth.resource");
    }

    [Fact]
    public void RoleMapping_Rules_MapGroupsRolesDomainsAndClaims()
    {
        var mapping = Parse("""
            auth:
              roleMapping:
                rules:
                  - role: engineering
                    groups: ["eng-*"]
                  - role: admin
                    roles: [warden-admin]
                  - role: compliance
                    emailDomains: ["*.audit.example.com"]
                  - role: analyst-elevated
                    groups: [analysts]
                    claims: { clearance: "pii-*" }
                default: [viewer]
            """).Auth.RoleMapping;

        Assert.Equal(["engineering"], RoleMapper.Map(mapping, Caller(groups: ["eng-platform"])));
        Assert.Equal(["admin", "engineering"], RoleMapper.Map(mapping, Caller(groups: ["eng-web"], roles: ["warden-admin"])));
        Assert.Equal(["compliance"], RoleMapper.Map(mapping, Caller(email: "bob@eu.audit.example.com")));
        Assert.Equal(["compliance"], RoleMapper.Map(mapping, Caller(email: "BOB@AUDIT.EXAMPLE.COM")));
        Assert.Equal(["viewer"], RoleMapper.Map(mapping, Caller(email: "eve@audit.example.com.evil.test")));

        // Both conditions of a rule must hold.
        Assert.Equal(["analyst-elevated"], RoleMapper.Map(mapping, Caller(groups: ["analysts"], claims: new() { ["clearance"] = ["pii-eu"] })));
        Assert.Equal(["viewer"], RoleMapper.Map(mapping, Caller(groups: ["analysts"], claims: new() { ["clearance"] = ["public"] })));
        Assert.Equal(["viewer"], RoleMapper.Map(mapping, Caller()));
    }

    private static ClaimsView Caller(string[]? groups = null, string[]? roles = null, string? email = null, Dictionary<string, string[]>? claims = null) =>
        new(groups ?? [], roles ?? [], email, name => claims is not null && claims.TryGetValue(name, out var values) ? values : []);

    private static WardenConfig Parse(string yaml)
    {
        var result = ConfigParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Config!;
    }
}
