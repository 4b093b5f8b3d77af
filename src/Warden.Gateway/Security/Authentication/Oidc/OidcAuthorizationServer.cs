using Warden.Core.Configuration;

namespace Warden.Gateway.Security.Authentication.Oidc;

/// <summary>The company IdP as the authorization server Warden's protected resource metadata names.</summary>
public sealed class OidcAuthorizationServer(OidcConfig config) : IAuthorizationServerSource
{
    public IReadOnlyList<string> Issuers { get; } = [config.Issuer];

    public IReadOnlyList<string> Scopes => config.RequiredScopes;
}
