namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Who signed in at Warden's login page, however they proved it: <see cref="Method"/> is an
/// <see cref="Warden.Core.Pipeline.AuthMethods"/> value (<c>password</c>, <c>admin_key</c>, <c>oidc</c>).
/// </summary>
public sealed record LoginIdentity(string Subject, string? DisplayName, string? Email, string Method)
{
    /// <summary>Roles the sign-in itself carries (an upstream IdP's mapped groups); local users' roles are read from config on every request.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The IdP's groups for the user (recorded with the sign-in; roles are what Warden made of them).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The upstream IdP's name (<c>auth.server.idp.name</c>) for an IdP sign-in; null for a local one.</summary>
    public string? Provider { get; init; }
}
