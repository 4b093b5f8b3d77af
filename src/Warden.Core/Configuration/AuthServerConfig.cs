namespace Warden.Core.Configuration;

/// <summary>
/// <c>auth.server</c>: Warden issues access tokens to MCP clients itself (authorization code with PKCE, dynamic client
/// registration, client ID metadata documents, rotating refresh tokens), bound to its own resource URIs.
/// </summary>
public sealed record AuthServerConfig
{
    /// <summary>False keeps the section but turns the authorization server off.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The issuer (the public origin clients reach Warden at); null takes <c>listen.publicUrl</c>, else the request's own origin.</summary>
    public string? Issuer { get; init; }

    /// <summary>How long an access token is valid; short, because a refresh is cheap and a stolen token should not last.</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a refresh token is valid; each use replaces it (rotation).</summary>
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How long an authorization code is valid.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a sign-in at Warden's login page lasts in the browser.</summary>
    public TimeSpan LoginLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Whether any client may register itself (RFC 7591); false leaves registration to client ID metadata documents and admins.</summary>
    public bool DynamicRegistration { get; init; } = true;

    /// <summary>Whether an https URL is accepted as a client id and its metadata document fetched (MCP 2025-11-25).</summary>
    public bool ClientMetadataDocuments { get; init; } = true;

    /// <summary>Whether metadata documents may be fetched from loopback or private-network addresses (SSRF guard; tests and labs only).</summary>
    public bool AllowPrivateNetworkMetadata { get; init; }

    /// <summary>
    /// Hosts an https redirect URI may point at (exact names, or <c>*.example.com</c>); empty allows any host. Loopback
    /// http redirect URIs (native clients, RFC 8252) are always allowed.
    /// </summary>
    public IReadOnlyList<string> AllowedRedirectHosts { get; init; } = [];

    /// <summary>Failed sign-ins allowed per user name (and per client address) before sign-in is locked for <see cref="LoginLockout"/>.</summary>
    public int MaxFailedLogins { get; init; } = 5;

    /// <summary>How long sign-in stays locked after too many failures.</summary>
    public TimeSpan LoginLockout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The company IdP users may sign in at instead of with a local password; null when not configured.</summary>
    public UpstreamIdpConfig? Idp { get; init; }

    /// <summary>People who sign in with a password at Warden's login page, by user name.</summary>
    public IReadOnlyDictionary<string, LocalUserConfig> Users { get; init; } = new Dictionary<string, LocalUserConfig>(StringComparer.Ordinal);
}

/// <summary>One local user: a password hash made by <c>warden users set-password</c> and the user's Warden roles.</summary>
public sealed record LocalUserConfig
{
    public required string Name { get; init; }

    /// <summary>The ASP.NET Core Identity password hash (PBKDF2); never a clear password.</summary>
    public required string PasswordHash { get; init; }

    public string? DisplayName { get; init; }

    public string? Email { get; init; }

    /// <summary>Role names (the roles section defines what each grants).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
}
