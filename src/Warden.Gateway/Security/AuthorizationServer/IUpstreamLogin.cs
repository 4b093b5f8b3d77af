using Microsoft.AspNetCore.Http;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The seam for signing in at the company's identity provider (Okta, Entra ID, Google Workspace, Keycloak) instead of
/// with a local password: Warden stays the authorization server of the MCP clients, and the user proves who they are
/// at the IdP. Each registered implementation is a button on the login page at <c>/oauth/login/{Name}</c>; its
/// callback is <c>/oauth/login/{Name}/callback</c>, which must be registered at the IdP as the redirect URI.
/// </summary>
public interface IUpstreamLogin
{
    /// <summary>A short URL-safe name (<c>okta</c>, <c>entra</c>).</summary>
    string Name { get; }

    /// <summary>What the login page's button says ("Sign in with Okta").</summary>
    string DisplayName { get; }

    /// <summary>Sends the browser to the IdP; <paramref name="callbackUrl"/> is where it must come back.</summary>
    Task ChallengeAsync(HttpContext http, string callbackUrl, CancellationToken cancellationToken);

    /// <summary>Validates the IdP's answer on the callback; null (with a reason) when the sign-in failed.</summary>
    ValueTask<(LoginIdentity? Identity, string? Failure)> CompleteAsync(HttpContext http, CancellationToken cancellationToken);
}
