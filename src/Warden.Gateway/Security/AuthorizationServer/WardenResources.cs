using Microsoft.AspNetCore.Http;
using Warden.Core.Configuration;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Warden's own resource URIs (RFC 8707): <c>{origin}/mcp</c> (everything the caller may use) and
/// <c>{origin}/mcp/{server}</c> for each configured server. Tokens are only issued for these, and only accepted where
/// their audience names the endpoint called or the whole of <c>/mcp</c>.
/// </summary>
internal static class WardenResources
{
    /// <summary>The authorization server's issuer: <c>auth.server.issuer</c>, else <c>listen.publicUrl</c>, else the request's origin.</summary>
    public static string Issuer(HttpRequest request, WardenConfig config) =>
        config.Auth.Server?.Issuer ?? AuthChallenge.BaseUrl(request, config.Listen.PublicUrl);

    /// <summary>The resource a client gets when it names none: all of Warden's MCP endpoints.</summary>
    public static string Default(HttpRequest request, WardenConfig config) => AuthChallenge.BaseUrl(request, config.Listen.PublicUrl) + "/mcp";

    /// <summary>The resource URI of the MCP endpoint at <paramref name="path"/> (<c>/mcp</c> or <c>/mcp/{server}</c>).</summary>
    public static string Of(HttpRequest request, WardenConfig config, string path) => AuthChallenge.BaseUrl(request, config.Listen.PublicUrl) + path.TrimEnd('/');

    /// <summary>True when <paramref name="resource"/> is one of this Warden's MCP endpoints.</summary>
    public static bool IsOwn(string resource, HttpRequest request, WardenConfig config, UpstreamRegistry upstreams)
    {
        if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0 || uri.Query.Length > 0)
        {
            return false;
        }

        var all = Default(request, config);
        var normalised = resource.TrimEnd('/');
        if (string.Equals(normalised, all, StringComparison.Ordinal))
        {
            return true;
        }

        return normalised.StartsWith(all + "/", StringComparison.Ordinal)
            && normalised[(all.Length + 1)..] is { Length: > 0 } server
            && !server.Contains('/', StringComparison.Ordinal)
            && upstreams.Find(Uri.UnescapeDataString(server)) is not null;
    }
}
