namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// One source of the authorization servers Warden's protected resource metadata names: the company IdP when Warden
/// is a resource server for its tokens (<c>auth.oidc</c>), Warden itself when it acts as the authorization server.
/// Every registered source is listed; a client picks one (RFC 9728 §7.6).
/// </summary>
public interface IAuthorizationServerSource
{
    /// <summary>Issuer identifiers of the authorization servers this source stands for.</summary>
    IReadOnlyList<string> Issuers { get; }

    /// <summary>Scopes tokens from these servers may carry for Warden (<c>scopes_supported</c>).</summary>
    IReadOnlyList<string> Scopes { get; }
}
