using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Warden.Gateway.Upstreams;
using Warden.Gateway.Mcp;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Turns a failed authentication into the HTTP answer the MCP authorization specification asks for: 401 (or 403
/// <c>insufficient_scope</c>) with <c>WWW-Authenticate: Bearer resource_metadata="…"</c> pointing at the protected
/// resource metadata of the endpoint asked for, so a client can discover where to get a token.
/// </summary>
public static class AuthChallenge
{
    /// <summary>Where the protected resource metadata of the resource at <paramref name="path"/> lives (RFC 9728 §3.1).</summary>
    public static string MetadataUrl(HttpRequest request, string? publicUrl, string path) =>
        $"{BaseUrl(request, publicUrl)}/.well-known/oauth-protected-resource{(path == "/" ? "" : path)}";

    /// <summary>The origin clients reach Warden at: <c>listen.publicUrl</c> when set, else the request's own.</summary>
    public static string BaseUrl(HttpRequest request, string? publicUrl) =>
        publicUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{request.Scheme}://{request.Host}{request.PathBase}";

    /// <summary>
    /// Writes the challenge. The metadata URL is the endpoint's own (the well-known path inserted before the endpoint's
    /// path in its resource URI, RFC 9728 §3.1), so it resolves to the document naming the very resource the token must
    /// be bound to. Without an explicit scope the challenge names the scopes every token needs, so a client asks for them.
    /// </summary>
    public static Task WriteAsync(HttpContext http, AuthenticationResult result, string? publicUrl)
    {
        if (result.Status == AuthenticationStatus.Unavailable)
        {
            // Not the client's fault and not a refusal: a retryable outage, failed closed.
            http.Response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return McpHttpHandler.ErrorAsync(http, StatusCodes.Status503ServiceUnavailable, JsonRpcErrors.InvalidRequest, result.Description ?? "Authentication is unavailable; try again shortly.");
        }

        if (result.Status == AuthenticationStatus.Throttled)
        {
            http.Response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return McpHttpHandler.ErrorAsync(http, StatusCodes.Status429TooManyRequests, JsonRpcErrors.InvalidRequest, result.Description ?? "Too many requests.");
        }

        var forbidden = result.Status == AuthenticationStatus.Forbidden;
        var resources = http.RequestServices?.GetService<ProtectedResource>();
        var metadata = resources is not null
            ? ProtectedResource.MetadataUrl(resources.For(http.Request.Path))
            : MetadataUrl(http.Request, publicUrl, http.Request.Path.Value ?? "/");
        var challenge = $"Bearer resource_metadata=\"{metadata}\"";
        if (result.Scope is null && http.RequestServices?.GetServices<IAuthorizationServerSource>().SelectMany(s => s.Scopes).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } scopes)
        {
            result = result with { Scope = string.Join(' ', scopes) };
        }

        if (result.Error is { Length: > 0 } error)
        {
            challenge += $", error=\"{error}\"";
        }

        if (result.Description is { Length: > 0 } description)
        {
            challenge += $", error_description=\"{Quoted(description)}\"";
        }

        if (result.Scope is { Length: > 0 } scope)
        {
            challenge += $", scope=\"{Quoted(scope)}\"";
        }

        http.Response.Headers.WWWAuthenticate = challenge;
        return McpHttpHandler.ErrorAsync(http, forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized, JsonRpcErrors.InvalidRequest,
            result.Description ?? (forbidden ? "Forbidden." : "Authentication required."));
    }

    // RFC 7235 quoted-string: no raw quotes, backslashes or control characters inside.
    private static string Quoted(string value)
    {
        var chars = value.Where(c => c >= ' ' && c != '"' && c != '\\' && c < 0x7f).ToArray();
        return new string(chars);
    }
}
