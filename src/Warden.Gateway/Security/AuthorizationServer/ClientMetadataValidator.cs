using System.Net;
using System.Text.Json.Nodes;
using Warden.Core.Configuration;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Checks client metadata from a registration request (RFC 7591) or a client ID metadata document: redirect URIs
/// must be https (to an allowed host) or loopback http (RFC 8252 native clients), the grant types those of the
/// authorization code flow, the scopes Warden's own. Every problem comes back as the OAuth error and a sentence
/// saying what to change.
/// </summary>
public static class ClientMetadataValidator
{
    private static readonly string[] AuthMethods = ["none", "client_secret_basic", "client_secret_post"];
    private static readonly string[] Grants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];
    private static readonly string[] KnownScopes = [Warden.Gateway.Security.AuthorizationServer.OAuthPaths.McpScope, Scopes.OfflineAccess];

    /// <summary>The validated metadata, or the RFC 7591 §3.2.2 error code and description.</summary>
    public static (ClientMetadata? Metadata, string? Error, string? Description) Validate(JsonObject body, AuthServerConfig server, bool publicOnly)
    {
        if (body["redirect_uris"] is not JsonArray uris || uris.Count == 0)
        {
            return Invalid("invalid_redirect_uri", "redirect_uris is required: a JSON array of at least one https URL or loopback http URL (http://127.0.0.1:PORT/callback).");
        }

        var redirects = new List<string>();
        foreach (var item in uris)
        {
            if (item is not JsonValue value || !value.TryGetValue<string>(out var uri))
            {
                return Invalid("invalid_redirect_uri", "redirect_uris must hold strings only.");
            }

            if (RedirectProblem(uri, server) is { } problem)
            {
                return Invalid("invalid_redirect_uri", problem);
            }

            redirects.Add(uri);
        }

        var method = Text(body, "token_endpoint_auth_method") ?? (publicOnly ? "none" : "client_secret_basic");
        if (!AuthMethods.Contains(method) || (publicOnly && method != "none"))
        {
            return Invalid("invalid_client_metadata", publicOnly
                ? $"token_endpoint_auth_method must be 'none' (a public client proving itself with PKCE), got '{method}'."
                : $"token_endpoint_auth_method must be one of {string.Join(", ", AuthMethods)} ('none' for public clients such as MCP clients on a laptop), got '{method}'.");
        }

        var grants = Strings(body, "grant_types") ?? [GrantTypes.AuthorizationCode];
        if (grants.FirstOrDefault(g => !Grants.Contains(g)) is { } grant)
        {
            return Invalid("invalid_client_metadata", $"grant_types may only hold authorization_code and refresh_token; '{grant}' is not offered.");
        }

        if (!grants.Contains(GrantTypes.AuthorizationCode))
        {
            return Invalid("invalid_client_metadata", "grant_types must include authorization_code (the only way to get a token from Warden).");
        }

        if (Strings(body, "response_types") is { } responses && responses.Any(r => r != ResponseTypes.Code))
        {
            return Invalid("invalid_client_metadata", "response_types may only hold 'code'.");
        }

        var scopes = Text(body, "scope")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (scopes.FirstOrDefault(s => !KnownScopes.Contains(s)) is { } scope)
        {
            return Invalid("invalid_client_metadata", $"scope '{scope}' is not offered; Warden offers: {string.Join(" ", KnownScopes)}.");
        }

        var name = Text(body, "client_name");
        if (name is { Length: > 200 })
        {
            return Invalid("invalid_client_metadata", "client_name must be at most 200 characters.");
        }

        var clientUri = Text(body, "client_uri");
        if (clientUri is not null && (!Uri.TryCreate(clientUri, UriKind.Absolute, out var c) || c.Scheme != Uri.UriSchemeHttps))
        {
            clientUri = null;
        }

        return (new ClientMetadata
        {
            RedirectUris = redirects,
            TokenEndpointAuthMethod = method,
            GrantTypes = grants,
            ClientName = name is null ? null : new string([.. name.Where(ch => !char.IsControl(ch))]),
            ClientUri = clientUri,
            Scopes = scopes,
        }, null, null);
    }

    /// <summary>Why a redirect URI is refused, or null when it is acceptable.</summary>
    public static string? RedirectProblem(string uri, AuthServerConfig server)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return $"redirect URI '{uri}' is not an absolute URL.";
        }

        if (parsed.Fragment.Length > 0)
        {
            return $"redirect URI '{uri}' must not have a fragment (RFC 6749 §3.1.2).";
        }

        if (parsed.Scheme == Uri.UriSchemeHttp)
        {
            return IsLoopback(parsed.Host)
                ? null
                : $"redirect URI '{uri}' uses plain http on a non-loopback host; use https, or http://127.0.0.1:PORT/... for a client on the user's machine.";
        }

        if (parsed.Scheme != Uri.UriSchemeHttps)
        {
            return $"redirect URI '{uri}' must use https, or http on a loopback address (127.0.0.1, [::1], localhost).";
        }

        if (server.AllowedRedirectHosts.Count > 0 && !server.AllowedRedirectHosts.Any(h => HostMatches(parsed.Host, h)))
        {
            return $"redirect URI host '{parsed.Host}' is not in auth.server.allowedRedirectHosts ({string.Join(", ", server.AllowedRedirectHosts)}); ask the Warden admin to add it.";
        }

        return null;
    }

    private static bool HostMatches(string host, string pattern) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
            : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<string>? Strings(JsonObject body, string name) =>
        body[name] is JsonArray array ? [.. array.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) ? s : "")] : null;

    private static (ClientMetadata?, string?, string?) Invalid(string error, string description) => (null, error, description);
}
