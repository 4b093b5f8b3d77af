using Warden.Core.Audit;

namespace Warden.Core.Pipeline;

/// <summary>Who is acting: the authenticated user or service account behind a request.</summary>
public sealed record Caller(string Subject, string? DisplayName, string AuthMethod, IReadOnlyList<string> Roles)
{
    /// <summary>The caller when no authentication is configured (embedded default on loopback).</summary>
    public static Caller LocalUser { get; } = new("local", Environment.UserName, AuthMethods.Loopback, ["admin"]);

    /// <summary>The person a service account or API key acts for, when it acts for one.</summary>
    public string? OnBehalfOf { get; init; }

    /// <summary>The caller's e-mail address, when the identity provider gave one.</summary>
    public string? Email { get; init; }

    /// <summary>The caller's groups at the identity provider (input to role mapping).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>OAuth scopes the credential carries; empty when the credential has none (API keys, loopback).</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Which credential authenticated the call: an API key id, an OAuth client id; never the secret itself.</summary>
    public string? CredentialId { get; init; }

    /// <summary>
    /// Server-name globs the credential is limited to (an API key's <c>--server</c>); empty: no limit beyond the roles.
    /// Authorization admits a call only when the roles allow it and, if this is not empty, a glob here matches its server.
    /// </summary>
    public IReadOnlyList<string> ServerScope { get; init; } = [];

    /// <summary>
    /// Tool-name globs the credential is limited to (an API key's <c>--tool</c>, matched against the tool's name at its
    /// server, unqualified); empty: no limit beyond the roles. Intersected with the roles like <see cref="ServerScope"/>.
    /// </summary>
    public IReadOnlyList<string> ToolScope { get; init; } = [];

    /// <summary>The caller as an audit record names it.</summary>
    public AuditUserIdentity ToAuditIdentity() => new()
    {
        Subject = Subject,
        DisplayName = DisplayName,
        Roles = Roles,
        AuthMethod = AuthMethod,
        OnBehalfOf = OnBehalfOf,
        CredentialId = CredentialId,
    };
}

/// <summary>The values of <see cref="Caller.AuthMethod"/> (and of the audit record's <c>user.auth_method</c>).</summary>
public static class AuthMethods
{
    /// <summary>No authentication configured; the caller reached Warden over loopback.</summary>
    public const string Loopback = "loopback";

    /// <summary>A bearer token from the company's OIDC identity provider, validated by Warden as resource server.</summary>
    public const string Oidc = "oidc";

    /// <summary>An access token Warden issued as authorization server (the user signed in at the IdP or locally).</summary>
    public const string OAuth = "oauth";

    /// <summary>A Warden API key of a person.</summary>
    public const string ApiKey = "api_key";

    /// <summary>A Warden API key of a service account (it may act on behalf of a person).</summary>
    public const string ServiceAccount = "service_account";

    /// <summary>The admin key printed on first start.</summary>
    public const string AdminKey = "admin_key";

    /// <summary>A local username and password (small teams without an IdP).</summary>
    public const string Password = "password";
}
