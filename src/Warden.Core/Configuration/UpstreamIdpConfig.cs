namespace Warden.Core.Configuration;

/// <summary>How Warden talks to a particular kind of IdP when users sign in there (<c>auth.server.idp.adapter</c>).</summary>
public enum UpstreamIdpAdapter
{
    /// <summary>A standards-following OpenID Connect provider (Okta, Keycloak, Google Workspace, Auth0, oidc-provider).</summary>
    Generic,

    /// <summary>Microsoft Entra ID (v2 endpoints): the stable user id is <c>oid</c>, groups and app roles are in the ID token, no userinfo.</summary>
    Entra,

    /// <summary>Amazon Cognito user pools: groups are in <c>cognito:groups</c>, no userinfo.</summary>
    Cognito,
}

/// <summary>
/// <c>auth.server.idp</c>: users sign in at the company's OpenID Connect IdP through Warden's login page (authorization
/// code with PKCE, state and nonce, Warden's own pre-registered client at the IdP). The IdP's tokens stay inside
/// Warden: only the identity they prove (subject, name, e-mail, groups mapped to roles by <c>auth.roleMapping</c>)
/// goes into the tokens Warden issues to MCP clients.
/// </summary>
public sealed record UpstreamIdpConfig
{
    /// <summary>The URL-safe name in the login and callback paths (<c>/oauth/login/{Name}/callback</c>).</summary>
    public string Name { get; init; } = "idp";

    /// <summary>What the login page's button says.</summary>
    public string DisplayName { get; init; } = "Sign in with your company account";

    /// <summary>The IdP's issuer identifier, exactly as its ID tokens' <c>iss</c> spells it.</summary>
    public required string Issuer { get; init; }

    /// <summary>Where the discovery document is; null: the issuer plus <c>/.well-known/openid-configuration</c>.</summary>
    public string? DiscoveryUrl { get; init; }

    /// <summary>Warden's client id at the IdP (registered there by an admin; no dynamic registration is needed).</summary>
    public required string ClientId { get; init; }

    /// <summary>Warden's client secret at the IdP (from <c>${ENV}</c>); null for a public client (PKCE only).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>The scopes asked for; <c>openid</c> is always among them.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = ["openid", "profile", "email"];

    public UpstreamIdpAdapter Adapter { get; init; } = UpstreamIdpAdapter.Generic;

    /// <summary>Which claims of the ID token (and userinfo) hold the user's identity; the adapter picks the defaults.</summary>
    public OidcClaimNames Claims { get; init; } = new();

    /// <summary>Whether claims missing from the ID token are read from the userinfo endpoint (default: on for generic IdPs).</summary>
    public bool UserInfo { get; init; } = true;

    /// <summary>The JWS algorithms the ID token may be signed with (asymmetric only).</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = OidcConfig.DefaultAlgorithms;

    /// <summary>How far clocks may disagree when checking the ID token's <c>exp</c>, <c>nbf</c> and <c>iat</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The claim names an adapter reads by default.</summary>
    public static OidcClaimNames DefaultClaims(UpstreamIdpAdapter adapter) => adapter switch
    {
        // Entra's sub is pairwise per application; oid is the user's one id in the tenant (what Graph and audit tools show).
        UpstreamIdpAdapter.Entra => new OidcClaimNames { Subject = "oid" },
        UpstreamIdpAdapter.Cognito => new OidcClaimNames { Groups = "cognito:groups", Roles = "cognito:roles" },
        _ => new OidcClaimNames(),
    };
}
