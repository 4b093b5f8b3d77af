using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenIddict.Abstractions;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// RFC 7591 dynamic client registration at <c>POST /oauth/register</c> (OpenIddict has no registration endpoint of its
/// own). Open to anyone when <c>auth.server.dynamicRegistration</c> is true, as MCP clients expect; a registered client
/// can do nothing until a user signs in and consents. Registrations are limited per client address.
/// </summary>
internal static class ClientRegistrationEndpoint
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void MapClientRegistration(this IEndpointRouteBuilder app) =>
        app.MapPost(OAuthPaths.Register, RegisterAsync);

    private static async Task<IResult> RegisterAsync(HttpContext http, WardenState state, IOpenIddictApplicationManager applications, AuthAuditor auditor, ClientRegistrar registrar, TimeProvider time)
    {
        var server = state.Config.Auth.Server!;
        var anonymous = new AuditUserIdentity { Subject = "anonymous", AuthMethod = AuthMethods.OAuth };
        if (!server.DynamicRegistration)
        {
            return Error(StatusCodes.Status403Forbidden, "access_denied", "Dynamic client registration is turned off on this Warden (auth.server.dynamicRegistration: false); use a client ID metadata document or ask the admin to register the client.");
        }

        using var lease = registrar.Limiter.AttemptAcquire(http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (!lease.IsAcquired)
        {
            await auditor.RecordAsync(AuthEvents.ClientRegistered, anonymous, false, "registration rate limit reached for this address", http: http, cancellationToken: http.RequestAborted);
            http.Response.Headers.RetryAfter = "3600";
            return Error(StatusCodes.Status429TooManyRequests, "invalid_client_metadata", "Too many client registrations from this address; try again in an hour.");
        }

        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata", "Send the client metadata as a JSON object with Content-Type: application/json (RFC 7591 §3.1).");
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, "invalid_client_metadata", $"Client metadata is limited to {MaxBodyBytes} bytes.");
        }

        JsonObject? body;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            if (buffer.Length > MaxBodyBytes)
            {
                return Error(StatusCodes.Status413PayloadTooLarge, "invalid_client_metadata", $"Client metadata is limited to {MaxBodyBytes} bytes.");
            }

            body = JsonNode.Parse(buffer.ToArray()) as JsonObject;
        }
        catch (JsonException ex)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata", $"The body is not valid JSON: {ex.Message}");
        }

        if (body is null)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata", "The body must be a JSON object of client metadata (RFC 7591 §2).");
        }

        var (metadata, error, description) = ClientMetadataValidator.Validate(body, server, publicOnly: false);
        if (metadata is null)
        {
            await auditor.RecordAsync(AuthEvents.ClientRegistered, anonymous, false, $"{error}: {description}",
                new JsonObject { ["client_name"] = body["client_name"]?.DeepClone() }, http, cancellationToken: http.RequestAborted);
            return Error(StatusCodes.Status400BadRequest, error!, description!);
        }

        var (clientId, secret) = await ClientRegistrar.RegisterAsync(applications, metadata, http.RequestAborted);
        await auditor.RecordAsync(AuthEvents.ClientRegistered, anonymous, true, "client registered itself (RFC 7591)", new JsonObject
        {
            ["client_id"] = clientId,
            ["client_name"] = metadata.ClientName,
            ["redirect_uris"] = new JsonArray([.. metadata.RedirectUris.Select(u => JsonValue.Create(u))]),
            ["token_endpoint_auth_method"] = metadata.TokenEndpointAuthMethod,
        }, http, cancellationToken: http.RequestAborted);

        var response = new JsonObject
        {
            ["client_id"] = clientId,
            ["client_id_issued_at"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["redirect_uris"] = new JsonArray([.. metadata.RedirectUris.Select(u => JsonValue.Create(u))]),
            ["grant_types"] = new JsonArray([.. metadata.GrantTypes.Select(g => JsonValue.Create(g))]),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = metadata.TokenEndpointAuthMethod,
        };
        if (metadata.ClientName is { } name)
        {
            response["client_name"] = name;
        }

        if (metadata.Scopes.Count > 0)
        {
            response["scope"] = string.Join(' ', metadata.Scopes);
        }

        if (secret is not null)
        {
            response["client_secret"] = secret;
            response["client_secret_expires_at"] = 0;
        }

        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(response, statusCode: StatusCodes.Status201Created);
    }

    private static IResult Error(int status, string error, string description) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = description }, statusCode: status);
}
