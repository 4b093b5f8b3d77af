using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Names Warden itself in the protected resource metadata's <c>authorization_servers</c> when <c>auth.server</c> is on:
/// its issuer is <c>auth.server.issuer</c>, else the base resource URI clients reach Warden at.
/// </summary>
internal sealed class WardenAuthorizationServerSource(WardenState state, ProtectedResource resources) : IAuthorizationServerSource
{
    public IReadOnlyList<string> Issuers => state.Config.Auth.Server is { Enabled: true } server ? [server.Issuer ?? resources.Base] : [];

    public IReadOnlyList<string> Scopes => [OAuthPaths.McpScope];
}
