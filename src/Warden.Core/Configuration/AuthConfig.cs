namespace Warden.Core.Configuration;

/// <summary>
/// <c>auth</c>: who may call Warden. Without this section (and without any authenticator configured) Warden serves
/// loopback callers as the local user; with <see cref="Oidc"/> every MCP request must carry an access token.
/// </summary>
public sealed record AuthConfig
{
    /// <summary>
    /// Warden's canonical resource URI (RFC 8707, RFC 9728): tokens must name it (or the endpoint's own URI under it)
    /// as their audience. Null: <c>listen.publicUrl</c>, else the first address Warden listens on.
    /// </summary>
    public string? Resource { get; init; }

    /// <summary>The company's OpenID Connect identity provider whose access tokens Warden accepts as a resource server.</summary>
    public OidcConfig? Oidc { get; init; }

    /// <summary>How claims of a validated token (groups, roles, e-mail domain, any claim) become Warden roles.</summary>
    public RoleMappingConfig RoleMapping { get; init; } = new();

    /// <summary><c>auth.server</c>: Warden as the OAuth 2.1 authorization server for MCP clients; null when not configured.</summary>
    public AuthServerConfig? Server { get; init; }

    /// <summary>
    /// True: every caller of <c>/mcp…</c> must present a credential (an API key, or a token from a configured issuer).
    /// False (the default, loopback only): a caller without one is the local user; a presented API key is still checked
    /// and a wrong one refused. Creating keys does not change this by itself: a key must never switch the mode silently.
    /// </summary>
    public bool ApiKeys { get; init; }

    /// <summary>Roles that may use the whole admin API (<c>/api/v1/…</c>, keys included) and <c>/metrics</c>. The admin key always may.</summary>
    public IReadOnlyList<string> AdminRoles { get; init; } = ["admin"];

    /// <summary>Roles that may read the audit log (<c>GET /api/v1/audit…</c>: query, record, stream, timeline), and nothing else of the admin API.</summary>
    public IReadOnlyList<string> AuditorRoles { get; init; } = ["compliance", "auditor"];

    /// <summary>Roles that may scrape <c>GET /metrics</c> (a Prometheus service account), besides the admin roles.</summary>
    public IReadOnlyList<string> MetricsRoles { get; init; } = ["metrics"];

    /// <summary>Base64 of 32 bytes keying the stored hashes of API keys; replicas sharing an identity database must share it. Default: generated into the data directory.</summary>
    public string? IdentityKey { get; init; }
}

/// <summary><c>auth.oidc</c>: validation of bearer tokens issued by the company's IdP.</summary>
public sealed record OidcConfig
{
    /// <summary>Asymmetric JWS algorithms accepted when <c>algorithms</c> is not set: never <c>none</c>, never HMAC.</summary>
    public static IReadOnlyList<string> DefaultAlgorithms { get; } = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>The IdP's issuer identifier, exactly as its tokens' <c>iss</c> claim spells it.</summary>
    public required string Issuer { get; init; }

    /// <summary>Where the discovery document is; null: the issuer plus <c>/.well-known/openid-configuration</c>.</summary>
    public string? DiscoveryUrl { get; init; }

    /// <summary>Further audiences accepted on every endpoint besides Warden's resource URIs (for IdPs that cannot issue resource-bound tokens).</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>The JWS algorithms a token may be signed with.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = DefaultAlgorithms;

    /// <summary>How far clocks may disagree when checking <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Scopes every token must carry; a valid token without them gets 403 <c>insufficient_scope</c>.</summary>
    public IReadOnlyList<string> RequiredScopes { get; init; } = [];

    /// <summary>Which claims hold the caller's identity.</summary>
    public OidcClaimNames Claims { get; init; } = new();

    /// <summary>The least time between two key fetches forced by a token signed with an unknown key (rate limit).</summary>
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the discovery document and keys are fetched again regardless.</summary>
    public TimeSpan MetadataRefreshInterval { get; init; } = TimeSpan.FromHours(12);
}

/// <summary><c>auth.oidc.claims</c>: claim names, for IdPs that do not use the standard ones.</summary>
public sealed record OidcClaimNames
{
    public string Subject { get; init; } = "sub";
    public string Name { get; init; } = "name";
    public string Email { get; init; } = "email";
    public string Groups { get; init; } = "groups";
    public string Roles { get; init; } = "roles";
}

/// <summary>
/// <c>auth.roleMapping</c>: every rule whose conditions all hold adds its role; with no rule matching, the caller gets
/// <see cref="Default"/>. Claims are the IdP's word about the user; roles are Warden's, so nothing is granted unmapped.
/// </summary>
public sealed record RoleMappingConfig
{
    public IReadOnlyList<RoleMappingRule> Rules { get; init; } = [];

    /// <summary>Roles of a caller no rule matches (none by default).</summary>
    public IReadOnlyList<string> Default { get; init; } = [];
}

/// <summary>
/// One role mapping rule. Each condition that is set must hold (and); within a condition one match is enough (or).
/// A rule with no condition matches everyone with a valid token.
/// </summary>
public sealed record RoleMappingRule
{
    /// <summary>The Warden role granted.</summary>
    public required string Role { get; init; }

    /// <summary>Globs over the caller's groups (<c>*</c> and <c>?</c>, case-sensitive).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Globs over the caller's roles at the IdP (the roles claim).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>E-mail domains (case-insensitive; <c>*.example.com</c> also matches subdomains).</summary>
    public IReadOnlyList<string> EmailDomains { get; init; } = [];

    /// <summary>Any claim by name: its value (or one of its values) must match the glob.</summary>
    public IReadOnlyDictionary<string, string> Claims { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
