using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// OAuth 2.0 Protected Resource Metadata (RFC 9728) at <c>/.well-known/oauth-protected-resource</c> for the base
/// resource and at the path-suffixed form for each endpoint (<c>…/mcp</c>, <c>…/mcp/{server}</c>), as the MCP
/// authorization specification asks. Public (a client reads it before it has a token); 404 when Warden names no
/// authorization server, i.e. when no authentication is configured.
/// </summary>
public static class ProtectedResourceMetadata
{
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(ProtectedResource.WellKnownPath, (HttpContext http) => Document(http, ""));
        app.MapGet(ProtectedResource.WellKnownPath + "/{**suffix}", (HttpContext http, string suffix) => Document(http, "/" + suffix));
        return app;
    }

    private static IResult Document(HttpContext http, string suffix)
    {
        var services = http.RequestServices;
        var sources = services.GetServices<IAuthorizationServerSource>().ToList();
        var servers = sources.SelectMany(s => s.Issuers).Distinct(StringComparer.Ordinal).ToList();
        var resources = services.GetRequiredService<ProtectedResource>();
        if (servers.Count == 0 || resources.ResourceOfMetadataPath(suffix) is not { } resource || !IsKnownServer(services, resources, resource))
        {
            return Results.NotFound();
        }

        var document = new JsonObject
        {
            ["resource"] = resource,
            ["authorization_servers"] = new JsonArray([.. servers.Select(s => JsonValue.Create(s))]),
            ["bearer_methods_supported"] = new JsonArray("header"),
            ["resource_name"] = Name(resources, resource),
        };
        var scopes = sources.SelectMany(s => s.Scopes).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count > 0)
        {
            document["scopes_supported"] = new JsonArray([.. scopes.Select(s => JsonValue.Create(s))]);
        }

        // Short caching: a reload may change the authorization servers.
        http.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(document);
    }

    private static bool IsKnownServer(IServiceProvider services, ProtectedResource resources, string resource)
    {
        var prefix = resources.Base + "/mcp/";
        return !resource.StartsWith(prefix, StringComparison.Ordinal) || services.GetRequiredService<UpstreamRegistry>().Find(resource[prefix.Length..]) is not null;
    }

    private static string Name(ProtectedResource resources, string resource)
    {
        var prefix = resources.Base + "/mcp/";
        return resource.StartsWith(prefix, StringComparison.Ordinal) ? $"Warden: {resource[prefix.Length..]}" : "Warden MCP gateway";
    }
}
