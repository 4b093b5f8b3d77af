using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// The authorization endpoint once OpenIddict has validated the request (client, redirect URI, PKCE S256, resource):
/// sends a browser that is not signed in to the login page, asks for consent (a CSRF-protected form; the decision is
/// an audit record), and issues the code for the granted scopes and resources. A consent given once is remembered as
/// a permanent authorization for that user, client and scopes.
/// </summary>
internal static class AuthorizeEndpoint
{
    private static readonly string[] FormOnlyFields = ["csrf", "consent"];

    public static void MapAuthorizeEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(OAuthPaths.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery();
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, WardenState state, LocalUsers users, IAntiforgery antiforgery,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, AuthAuditor auditor)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict authorization request is missing; the authorization endpoint is misconfigured.");

        var login = await http.AuthenticateAsync(OAuthPaths.LoginScheme);
        var principal = login.Succeeded ? login.Principal : null;
        var subject = principal?.FindFirst(Claims.Subject)?.Value;
        var method = principal?.FindFirst(WardenClaims.LoginMethod)?.Value;

        // A local user removed from the configuration is signed out, whatever their cookie says.
        if (subject is not null && method == AuthMethods.Password && users.Find(subject) is null)
        {
            await http.SignOutAsync(OAuthPaths.LoginScheme);
            subject = null;
        }

        var parameters = Parameters(request);
        if (subject is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in at Warden.");
            }

            return Results.Redirect($"{OAuthPaths.Login}?returnUrl={Uri.EscapeDataString(OAuthPaths.Authorize + QueryString.Create(parameters))}");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated a client that the store does not have.");
        var applicationId = await applications.GetIdAsync(application, http.RequestAborted);
        var clientName = await applications.GetDisplayNameAsync(application, http.RequestAborted) ?? request.ClientId!;
        var scopes = GrantedScopes(request);
        var resources = request.GetResources() is { Length: > 0 } asked ? asked : [WardenResources.Default(http.Request, state.Config)];
        var user = new AuditUserIdentity { Subject = subject, DisplayName = principal!.FindFirst(Claims.Name)?.Value, AuthMethod = method ?? AuthMethods.OAuth };
        var details = new JsonObject
        {
            ["client_id"] = request.ClientId,
            ["client_name"] = clientName,
            ["redirect_uri"] = request.RedirectUri,
            ["scope"] = string.Join(' ', scopes),
            ["resources"] = new JsonArray([.. resources.Select(r => JsonValue.Create(r))]),
        };

        object? authorization = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType && (await http.Request.ReadFormAsync(http.RequestAborted))["consent"].ToString() is { Length: > 0 } decision)
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return OAuthPages.Error("The consent form expired or did not come from Warden's page; start again from your MCP client.", StatusCodes.Status400BadRequest);
            }

            if (decision != "approve")
            {
                await auditor.RecordAsync(AuthEvents.Consent, user, false, $"denied {clientName} access", details, http, cancellationToken: http.RequestAborted);
                return Forbid(Errors.AccessDenied, "The user denied the client access.");
            }

            if (!await auditor.RecordAsync(AuthEvents.Consent, user, true, $"allowed {clientName} access", details, http, cancellationToken: http.RequestAborted))
            {
                return OAuthPages.Error("Warden cannot record your consent in its audit log right now; try again shortly or tell the Warden admin.", StatusCodes.Status503ServiceUnavailable);
            }

            authorization = await authorizations.CreateAsync(Identity(principal, subject, method, scopes, resources), subject, applicationId!, AuthorizationTypes.Permanent, [.. scopes], http.RequestAborted);
        }
        else
        {
            await foreach (var existing in authorizations.FindAsync(subject, applicationId!, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes], http.RequestAborted))
            {
                authorization = existing;
                break;
            }

            if (authorization is null)
            {
                var redirect = Uri.TryCreate(request.RedirectUri, UriKind.Absolute, out var r) ? r.GetLeftPart(UriPartial.Authority) : request.RedirectUri ?? "";
                return OAuthPages.Consent(antiforgery.GetAndStoreTokens(http).RequestToken!, principal.FindFirst(Claims.Name)?.Value ?? subject,
                    clientName, request.ClientId!, redirect, scopes, resources, parameters);
            }
        }

        var identity = Identity(principal, subject, method, scopes, resources);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization, http.RequestAborted));
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ClaimsIdentity Identity(ClaimsPrincipal login, string subject, string? method, IEnumerable<string> scopes, IEnumerable<string> resources)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.Name, login.FindFirst(Claims.Name)?.Value)
            .SetClaim(Claims.Email, login.FindFirst(Claims.Email)?.Value)
            .SetClaim(WardenClaims.LoginMethod, method);
        identity.SetClaims(WardenClaims.Role, [.. login.FindAll(WardenClaims.Role).Select(c => c.Value)]);
        identity.SetScopes(scopes);
        identity.SetResources(resources);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return identity;
    }

    // The client gets what it asked for among Warden's scopes, and always mcp and offline_access: without the latter
    // OpenIddict issues no refresh token, and MCP clients rarely know to ask for it.
    private static ImmutableArray<string> GrantedScopes(OpenIddictRequest request) =>
        [.. request.GetScopes().Where(s => s is OAuthPaths.McpScope or Scopes.OfflineAccess).Union([OAuthPaths.McpScope, Scopes.OfflineAccess]).Order(StringComparer.Ordinal)];

    private static List<KeyValuePair<string, string?>> Parameters(OpenIddictRequest request)
    {
        var list = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in request.GetParameters())
        {
            if (FormOnlyFields.Contains(name))
            {
                continue;
            }

            // StringValues covers both a single value and a repeated one (several resource parameters).
            foreach (var item in (Microsoft.Extensions.Primitives.StringValues)value)
            {
                list.Add(new(name, item));
            }
        }

        return list;
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
