using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Warden.Gateway.Hosting;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Warden as an OAuth protected resource: its canonical resource URI and those of its endpoints, and where their
/// metadata lives. The base URI is <c>auth.resource</c>, else <c>listen.publicUrl</c>, else the first address Warden
/// listens on. Each MCP endpoint is a resource of its own (base + <c>/mcp</c> or base + <c>/mcp/{server}</c>), and a token
/// whose audience is the base URI is accepted on every endpoint under it: one sign-in can serve a client that uses
/// several servers, while a token bound to <c>/mcp/github</c> is good for that endpoint only.
/// </summary>
public sealed class ProtectedResource(WardenState state, IServer server)
{
    /// <summary>The path of protected resource metadata documents (RFC 9728 §3).</summary>
    public const string WellKnownPath = "/.well-known/oauth-protected-resource";

    private string? _listenBase;

    /// <summary>The canonical base resource URI, without a trailing slash.</summary>
    public string Base => state.Config.Auth.Resource ?? state.Config.Listen.PublicUrl?.TrimEnd('/') ?? ListenBase();

    /// <summary>The resource URI of the endpoint at <paramref name="path"/>: its own for /mcp and /mcp/{server}, else the base.</summary>
    public string For(PathString path) => EndpointPath(path.Value) is { } endpoint ? Base + endpoint : Base;

    /// <summary>The protected resource metadata URL of <paramref name="resource"/>: the well-known path inserted between its origin and path.</summary>
    public static string MetadataUrl(string resource)
    {
        var uri = new Uri(resource);
        var path = uri.AbsolutePath.TrimEnd('/');
        return uri.GetLeftPart(UriPartial.Authority) + WellKnownPath + path;
    }

    /// <summary>
    /// The resource a metadata request is about: <paramref name="suffix"/> is what follows the well-known path
    /// (empty for the base resource); null when it names no resource of this Warden.
    /// </summary>
    public string? ResourceOfMetadataPath(string suffix)
    {
        var basePath = new Uri(Base).AbsolutePath.TrimEnd('/');
        if (basePath.Length > 0)
        {
            if (!suffix.StartsWith(basePath, StringComparison.Ordinal))
            {
                return null;
            }

            suffix = suffix[basePath.Length..];
        }

        suffix = suffix.TrimEnd('/');
        if (suffix.Length == 0)
        {
            return Base;
        }

        return EndpointPath(suffix) is { } endpoint ? Base + endpoint : null;
    }

    /// <summary>True when one of <paramref name="audiences"/> names <paramref name="resource"/> or the base resource.</summary>
    public bool Accepts(IEnumerable<string> audiences, string resource, IReadOnlyList<string> extra)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal) { Canonical(resource), Canonical(Base) };
        foreach (var audience in extra)
        {
            wanted.Add(Canonical(audience));
        }

        return audiences.Any(a => wanted.Contains(Canonical(a)));
    }

    /// <summary>
    /// The form audiences are compared in: scheme and host lowercased (RFC 3986 §6.2.2.1), default port dropped and no
    /// trailing slash on an empty path, as clients differ on both; anything that is not a URI is compared as given.
    /// </summary>
    public static string Canonical(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            return value;
        }

        var path = uri.AbsolutePath == "/" ? "" : uri.AbsolutePath;
        return uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + path + uri.Query;
    }

    // "/mcp" and "/mcp/{server}" are endpoints; nothing else (the admin API and the metadata itself are not MCP resources).
    private static string? EndpointPath(string? path)
    {
        if (path is null || !path.StartsWith("/mcp", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[4..].TrimEnd('/');
        if (rest.Length == 0)
        {
            return "/mcp";
        }

        return rest[0] == '/' && rest.IndexOf('/', 1) < 0 ? "/mcp" + rest : null;
    }

    private string ListenBase()
    {
        if (_listenBase is { } known)
        {
            return known;
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? state.Config.Listen.Urls[0];
        return _listenBase = address.TrimEnd('/');
    }
}
