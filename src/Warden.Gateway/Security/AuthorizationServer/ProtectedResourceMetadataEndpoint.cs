using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Warden.Gateway.Hosting;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Protected resource metadata (RFC 9728) naming Warden itself as the authorization server of its MCP endpoints:
/// <c>/.well-known/oauth-protected-resource/mcp[/{server}]</c>, where the 401 challenge points clients. Only mapped
/// with <c>auth.server</c>; a Warden that is only a resource server for an external IdP publishes its own.
/// </summary>
internal static class ProtectedResourceMetadataEndpoint
{
    private const string Prefix = "/.well-known/oauth-protected-resource";

    public static void MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix, (HttpContext http, WardenState state) => Metadata(http, state, "/mcp"));
        app.MapGet(Prefix + "/mcp", (HttpContext http, WardenState state) => Metadata(http, state, "/mcp"));
        app.MapGet(Prefix + "/mcp/{server}", (HttpContext http, WardenState state, UpstreamRegistry upstreams, string server) =>
            upstreams.Find(server) is null
                ? Results.Json(new JsonObject { ["error"] = "not_found", ["error_description"] = $"Warden has no server '{server}'." }, statusCode: StatusCodes.Status404NotFound)
                : Metadata(http, state, "/mcp/" + Uri.EscapeDataString(server)));
    }

    private static IResult Metadata(HttpContext http, WardenState state, string path) => Results.Json(new JsonObject
    {
        ["resource"] = WardenResources.Of(http.Request, state.Config, path),
        ["authorization_servers"] = new JsonArray(WardenResources.Issuer(http.Request, state.Config)),
        ["bearer_methods_supported"] = new JsonArray("header"),
        ["scopes_supported"] = new JsonArray(OAuthPaths.McpScope),
        ["resource_name"] = "Warden",
    });
}
