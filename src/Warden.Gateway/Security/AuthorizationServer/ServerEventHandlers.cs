using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Upstreams;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// What Warden adds to OpenIddict's request processing: resource indicators limited to Warden's own endpoints,
/// the registration endpoint and client ID metadata documents in the discovery document, client ID metadata
/// documents resolved before a client is looked up, and an audit record for every token request.
/// </summary>
internal static class ServerEventHandlers
{
    private const string SubjectProperty = ".warden_subject";
    private const string DisplayNameProperty = ".warden_display_name";
    private const string MethodProperty = ".warden_login_method";

    public static void Register(OpenIddictServerBuilder options)
    {
        options.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                CheckResources(context, context.Request.GetResources());
                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateResourceParameter.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        options.AddEventHandler<ValidateTokenRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                CheckResources(context, context.Request.GetResources());
                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateResourceParameter.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        // A client id that is an https URL names its own metadata document: fetch it (or refresh a stale copy) and
        // register the client before OpenIddict looks the client up.
        options.AddEventHandler<ProcessAuthenticationContext>(handler => handler
            .UseInlineHandler(async context =>
            {
                if (context.EndpointType is not (OpenIddictServerEndpointType.Authorization or OpenIddictServerEndpointType.Token)
                    || context.ClientId is not { } clientId || !ClientMetadataDocuments.IsMetadataUrl(clientId))
                {
                    return;
                }

                var http = Http(context);
                var documents = http.RequestServices.GetRequiredService<ClientMetadataDocuments>();
                if (await documents.EnsureRegisteredAsync(clientId, http, context.CancellationToken) is { } failure)
                {
                    context.Reject(Errors.InvalidClient, failure);
                }
            })
            .SetOrder(OpenIddictServerHandlers.ValidateClientId.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        options.AddEventHandler<HandleConfigurationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                var http = Http(context);
                var state = http.RequestServices.GetRequiredService<WardenState>();
                var server = state.Config.Auth.Server!;
                if (server.DynamicRegistration)
                {
                    context.Metadata["registration_endpoint"] = WardenResources.Issuer(http.Request, state.Config) + OAuthPaths.Register;
                }

                context.Metadata["client_id_metadata_document_supported"] = server.ClientMetadataDocuments;
                return default;
            })
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom));

        // Who the token is for, remembered for the audit record written when the response leaves.
        options.AddEventHandler<ProcessSignInContext>(handler => handler
            .UseInlineHandler(context =>
            {
                if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Principal is { } principal)
                {
                    context.Transaction.Properties[SubjectProperty] = principal.GetClaim(Claims.Subject);
                    context.Transaction.Properties[DisplayNameProperty] = principal.GetClaim(Claims.Name);
                    context.Transaction.Properties[MethodProperty] = principal.GetClaim(WardenClaims.LoginMethod);
                }

                return default;
            })
            .SetOrder(int.MaxValue - 100)
            .SetType(OpenIddictServerHandlerType.Custom));

        options.AddEventHandler<ApplyTokenResponseContext>(handler => handler
            .UseInlineHandler(async context =>
            {
                var http = Http(context);
                var auditor = http.RequestServices.GetRequiredService<AuthAuditor>();
                var subject = context.Transaction.Properties.TryGetValue(SubjectProperty, out var s) ? s as string : null;
                var user = new AuditUserIdentity
                {
                    Subject = subject ?? "anonymous",
                    DisplayName = context.Transaction.Properties.TryGetValue(DisplayNameProperty, out var n) ? n as string : null,
                    AuthMethod = AuthMethods.OAuth,
                };
                var details = new JsonObject
                {
                    ["client_id"] = context.Request?.ClientId,
                    ["grant_type"] = context.Request?.GrantType,
                    ["scope"] = context.Response.Scope,
                    ["resources"] = new JsonArray([.. (context.Request?.GetResources() ?? []).Select(r => JsonValue.Create(r))]),
                    ["refresh_token_issued"] = context.Response.RefreshToken is not null,
                    ["expires_in"] = context.Response.ExpiresIn,
                };
                var allowed = context.Error is null;
                var reason = allowed
                    ? $"{context.Request?.GrantType} grant: access token issued to {context.Request?.ClientId}"
                    : $"{context.Error}: {context.Response.ErrorDescription}";
                await auditor.RecordAsync(AuthEvents.TokenIssued, user, allowed, reason, details, http, cancellationToken: context.CancellationToken);
            })
            .SetOrder(int.MinValue + 100)
            .SetType(OpenIddictServerHandlerType.Custom));
    }

    private static void CheckResources(BaseValidatingContext context, IEnumerable<string> resources)
    {
        var http = Http(context);
        var config = http.RequestServices.GetRequiredService<WardenState>().Config;
        var upstreams = http.RequestServices.GetRequiredService<UpstreamRegistry>();
        foreach (var resource in resources)
        {
            if (!WardenResources.IsOwn(resource, http.Request, config, upstreams))
            {
                context.Reject(Errors.InvalidTarget,
                    $"The resource '{resource}' is not served by this Warden; ask for {WardenResources.Default(http.Request, config)} or {WardenResources.Default(http.Request, config)}/SERVER for a configured server.");
                return;
            }
        }
    }

    private static HttpContext Http(BaseContext context) =>
        context.Transaction.GetHttpRequest()?.HttpContext ?? throw new InvalidOperationException("OpenIddict ran outside an ASP.NET Core request.");
}
