using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.AuthorizationServer;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.Authentication;

/// <summary>
/// Accepts access tokens Warden issued as authorization server (<c>auth.server</c>), validated locally by OpenIddict
/// (signature, encryption, expiry, and the authorization not revoked). A token is Warden's when it is a JWE encrypted
/// with one of Warden's keys; anything else (an IdP's JWT, an API key) is another authenticator's. The token's audience
/// must be the endpoint called or all of <c>/mcp</c>. A local user's roles are read from the configuration in force.
/// </summary>
public sealed class WardenTokenAuthenticator(OAuthKeyRing keys, WardenState state, LocalUsers users, AuthAuditor auditor) : ICallerAuthenticator
{
    private readonly HashSet<string> _keyIds = [.. keys.EncryptionKeys.Select(k => k.KeyId)];

    public async ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !IsWardenToken(header["Bearer ".Length..].Trim()))
        {
            return AuthenticationResult.NoCredential;
        }

        var result = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            var why = result.Properties?.Items.TryGetValue(OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription, out var d) == true ? d : null;
            return await RefuseAsync(context, null, $"The access token is invalid, expired or revoked{(why is null ? "" : $" ({why})")}; sign in again from your MCP client.", cancellationToken);
        }

        var subject = principal.GetClaim(Claims.Subject) ?? "";
        var path = context.Request.Path.Value ?? "/mcp";
        var here = WardenResources.Of(context.Request, state.Config, path);
        var all = WardenResources.Default(context.Request, state.Config);
        var audiences = principal.GetAudiences();
        if (!audiences.Contains(all) && !audiences.Contains(here))
        {
            return await RefuseAsync(context, subject, $"The access token was issued for {string.Join(", ", audiences)}, not for {here}; get a token for this endpoint (resource={here}).", cancellationToken);
        }

        var method = principal.GetClaim(WardenClaims.LoginMethod);
        IReadOnlyList<string> roles;
        if (method == AuthMethods.Password)
        {
            if (users.Find(subject) is not { } user)
            {
                return await RefuseAsync(context, subject, $"The user '{subject}' no longer exists in auth.server.users; ask the Warden admin.", cancellationToken);
            }

            roles = user.Roles;
        }
        else
        {
            roles = [.. principal.GetClaims(WardenClaims.Role)];
        }

        return AuthenticationResult.Success(new Caller(subject, principal.GetClaim(Claims.Name), AuthMethods.OAuth, roles)
        {
            Email = principal.GetClaim(Claims.Email),
            Scopes = [.. principal.GetScopes()],
            CredentialId = principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault(),
        });
    }

    private async ValueTask<AuthenticationResult> RefuseAsync(HttpContext context, string? subject, string description, CancellationToken cancellationToken)
    {
        await auditor.RecordAsync(AuthEvents.CredentialRefused, new AuditUserIdentity { Subject = subject ?? "unknown", AuthMethod = AuthMethods.OAuth }, false, description,
            new JsonObject { ["path"] = context.Request.Path.Value }, context, cancellationToken: cancellationToken);
        return AuthenticationResult.Fail(description);
    }

    // A compact JWE (five parts) whose protected header names one of Warden's encryption keys.
    private bool IsWardenToken(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || token.Count(c => c == '.') != 4 || dot > 4096)
        {
            return false;
        }

        try
        {
            var segment = token[..dot].Replace('-', '+').Replace('_', '/');
            var header = Convert.FromBase64String(segment.PadRight(segment.Length + ((4 - (segment.Length % 4)) % 4), '='));
            using var json = JsonDocument.Parse(header);
            return json.RootElement.TryGetProperty("kid", out var kid) && kid.ValueKind == JsonValueKind.String && _keyIds.Contains(kid.GetString()!);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException)
        {
            return false;
        }
    }
}
