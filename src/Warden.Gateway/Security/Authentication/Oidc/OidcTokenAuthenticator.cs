using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;

namespace Warden.Gateway.Security.Authentication.Oidc;

/// <summary>
/// Accepts access tokens from the company's IdP (<c>auth.oidc</c>) as an OAuth 2.1 resource server: the signature
/// must verify with a key the IdP publishes (an allow-listed asymmetric algorithm only), the issuer must be the IdP,
/// the audience must be this endpoint's resource URI or Warden's base resource URI (RFC 8707), and the token must be
/// within its lifetime give or take the clock skew. The caller's roles come from <c>auth.roleMapping</c>, read on every
/// request so a mapping change applies at once. The token itself is never logged, recorded or passed on.
/// </summary>
public sealed partial class OidcTokenAuthenticator(
    OidcConfig oidc,
    OidcKeySource keys,
    ProtectedResource resources,
    WardenState state,
    TimeProvider time,
    ILogger<OidcTokenAuthenticator> logger) : ICallerAuthenticator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly HashSet<string> _algorithms = new(oidc.Algorithms, StringComparer.Ordinal);

    public async ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return AuthenticationResult.NoCredential;
        }

        var value = authorization.Count == 1 ? authorization.ToString() : null;
        if (value is null || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return value is null ? Refused("Send exactly one Authorization header.", null) : AuthenticationResult.NoCredential;
        }

        var token = value[7..].Trim();

        // Only compact JWS is this authenticator's: anything else (an API key) is left to the next one.
        if (token.Count(c => c == '.') != 2)
        {
            return AuthenticationResult.NoCredential;
        }

        var fingerprint = Fingerprint(token);
        if (Header(token) is not { } header)
        {
            return Refused("The bearer token is not a well-formed JWT.", fingerprint);
        }

        // Checked before any key is looked at: 'none' and HMAC (whose key would be the IdP's public key) never get that far.
        if (!_algorithms.Contains(header.Alg ?? ""))
        {
            return Refused($"The access token is signed with '{header.Alg ?? "(no algorithm)"}'; Warden accepts only {string.Join(", ", oidc.Algorithms)} from {oidc.Issuer}.", fingerprint);
        }

        // Another issuer's token is refused before any key is looked up, so it cannot make Warden fetch the IdP's keys again.
        if (header.Issuer != oidc.Issuer)
        {
            return Refused($"The access token was issued by '{Clip(header.Issuer)}'; Warden accepts tokens from {oidc.Issuer} only.", fingerprint);
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await keys.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            LogIdpUnreachable(keys.Address, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
            return AuthenticationResult.Unavailable($"Warden cannot reach the identity provider ({keys.Address}) to fetch its signing keys yet; try again shortly.") with { Method = AuthMethods.Oidc, CredentialFingerprint = fingerprint };
        }

        var resource = resources.For(context.Request.Path);
        var result = await _handler.ValidateTokenAsync(token, Parameters(configuration, resource)).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && await keys.RefreshAsync(cancellationToken).ConfigureAwait(false) is { } fresher)
        {
            result = await _handler.ValidateTokenAsync(token, Parameters(fresher, resource)).ConfigureAwait(false);
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return Refused(Describe(result.Exception, header, resource), fingerprint);
        }

        return CallerOf(jwt, fingerprint);
    }

    private AuthenticationResult CallerOf(JsonWebToken jwt, string fingerprint)
    {
        var names = oidc.Claims;
        if (First(jwt, names.Subject) is not { Length: > 0 } subject)
        {
            return Refused($"The access token has no '{names.Subject}' claim naming the user (auth.oidc.claims.subject).", fingerprint);
        }

        var scopes = Values(jwt, "scope").Concat(Values(jwt, "scp")).SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal).ToList();
        var missing = oidc.RequiredScopes.Where(s => !scopes.Contains(s, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            // The scopes to ask for: what the token has that matters plus what it lacks (MCP authorization, scope challenges).
            return AuthenticationResult.Forbid($"The access token lacks the scope(s) {string.Join(", ", missing)}; request a token with scope \"{string.Join(' ', oidc.RequiredScopes)}\".", string.Join(' ', oidc.RequiredScopes))
                with { Method = AuthMethods.Oidc, CredentialFingerprint = fingerprint };
        }

        var email = First(jwt, names.Email);
        var groups = Values(jwt, names.Groups);
        var idpRoles = Values(jwt, names.Roles);
        var roles = RoleMapper.Map(state.Config.Auth.RoleMapping, new ClaimsView(groups, idpRoles, email, claim => Values(jwt, claim)));
        var caller = new Caller(subject, First(jwt, names.Name) ?? First(jwt, "preferred_username") ?? email, AuthMethods.Oidc, roles)
        {
            Email = email,
            Groups = groups,
            Scopes = scopes,
            CredentialId = First(jwt, "client_id") ?? First(jwt, "azp"),
        };
        return AuthenticationResult.Success(caller);
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration, string resource) => new()
    {
        ValidIssuer = oidc.Issuer,
        ValidateIssuer = true,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = oidc.Algorithms,
        ValidateAudience = true,
        AudienceValidator = (audiences, _, _) => resources.Accepts(audiences, resource, oidc.Audiences),
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = oidc.ClockSkew,
        LifetimeValidator = TokenLifetime.Validator(time, "The token"),
        LogValidationExceptions = false,
    };

    // What went wrong, in words that tell the client what to do; built from the token's claims, never its text.
    private string Describe(Exception? exception, JsonWebToken header, string resource) => exception switch
    {
        SecurityTokenExpiredException expired => $"The access token expired at {expired.Expires:u}; get a new one from {oidc.Issuer}.",
        SecurityTokenNotYetValidException early => $"The access token is not valid before {early.NotBefore:u}; check the clocks of Warden and the IdP.",
        SecurityTokenNoExpirationException => "The access token has no expiry ('exp'); Warden accepts only tokens that expire.",
        SecurityTokenInvalidAudienceException => $"The access token was not issued for this resource (its audience is {Audiences(header)}); request one with resource={resource} (RFC 8707).",
        SecurityTokenInvalidIssuerException => $"The access token was issued by '{Clip(header.Issuer)}'; Warden accepts tokens from {oidc.Issuer} only.",
        SecurityTokenSignatureKeyNotFoundException => $"The access token is signed with a key (kid '{Clip(header.Kid)}') that {oidc.Issuer} does not publish.",
        SecurityTokenInvalidSignatureException => "The access token's signature does not verify with the identity provider's keys; it was altered or not issued by the IdP.",
        SecurityTokenInvalidAlgorithmException => $"The access token's algorithm is not accepted; Warden accepts only {string.Join(", ", oidc.Algorithms)}.",
        SecurityTokenMalformedException or ArgumentException => "The bearer token is not a well-formed JWT.",
        _ => $"The access token is not valid ({exception?.GetType().Name ?? "unknown reason"}).",
    };

    private static string Audiences(JsonWebToken token)
    {
        var audiences = token.Audiences.Select(Clip).ToList();
        return audiences.Count == 0 ? "missing" : string.Join(", ", audiences.Take(3));
    }

    private static string Clip(string? value) => value is null ? "" : value.Length > 120 ? value[..120] + "…" : value;

    private static JsonWebToken? Header(string token)
    {
        try
        {
            return new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            // SecurityTokenMalformedException is one too.
            return null;
        }
    }

    private static string? First(JsonWebToken jwt, string claim) => jwt.Claims.FirstOrDefault(c => c.Type == claim)?.Value;

    private static List<string> Values(JsonWebToken jwt, string claim) => jwt.Claims.Where(c => c.Type == claim).Select(c => c.Value).ToList();

    // Ties refusals of one token together in the audit log without keeping anything that could be replayed.
    private static string Fingerprint(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];

    private static AuthenticationResult Refused(string description, string? fingerprint) =>
        AuthenticationResult.Fail(description) with { Method = AuthMethods.Oidc, CredentialFingerprint = fingerprint };

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "The IdP's discovery document at {Address} could not be fetched ({Error}); tokens are refused until it can")]
    private partial void LogIdpUnreachable(string address, string error);
}
