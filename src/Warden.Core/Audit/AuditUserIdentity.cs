namespace Warden.Core.Audit;

/// <summary>Who acted: the authenticated subject, how they authenticated, and for whom a service account acted.</summary>
public sealed record AuditUserIdentity
{
    /// <summary>The stable subject id (OIDC <c>sub</c>, API key owner, service account name).</summary>
    public required string Subject { get; init; }

    /// <summary>A human-readable name.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The roles that authorised the action.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>How the caller authenticated: <c>oidc</c>, <c>api_key</c>, <c>service_account</c>, <c>loopback</c>, …</summary>
    public required string AuthMethod { get; init; }

    /// <summary>The user on whose behalf a service account acted.</summary>
    public string? OnBehalfOf { get; init; }

    /// <summary>Which credential authenticated the action (an API key id, an OAuth client id); never the secret itself.</summary>
    public string? CredentialId { get; init; }
}
