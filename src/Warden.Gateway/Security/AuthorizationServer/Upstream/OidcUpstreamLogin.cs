using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Core.Pipeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication.Oidc;

namespace Warden.Gateway.Security.AuthorizationServer.Upstream;

/// <summary>
/// Sign-in at the company's OpenID Connect IdP (<c>auth.server.idp</c>) as Warden's own pre-registered client:
/// authorization code with PKCE (S256), state bound to the browser by an encrypted cookie and usable once, a nonce,
/// and an ID token checked against the IdP's published keys (issuer, audience = Warden's client id, nonce, expiry,
/// asymmetric algorithms only). Warden never sends the MCP client's <c>resource</c> to the IdP and never forwards
/// the IdP's tokens: they are read here and dropped; only the identity they prove goes on.
/// </summary>
internal sealed partial class OidcUpstreamLogin : IUpstreamLogin, IDisposable
{
    private static readonly TimeSpan SignInWindow = TimeSpan.FromMinutes(10);
    private readonly UpstreamIdpConfig _idp;
    private readonly OidcKeySource _keys;
    private readonly IDataProtector _protector;
    private readonly WardenState _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UsedStates _used;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public OidcUpstreamLogin(UpstreamIdpConfig idp, OidcKeySource keys, IDataProtectionProvider protection, WardenState state, TimeProvider time, ILogger<OidcUpstreamLogin> logger)
    {
        _idp = idp;
        _keys = keys;
        _protector = protection.CreateProtector("Warden.UpstreamLogin.v1", idp.Name);
        _state = state;
        _time = time;
        _logger = logger;
        _used = new UsedStates(time);
    }

    public string Name => _idp.Name;

    public string DisplayName => _idp.DisplayName;

    private string CookieName => $"warden_idp_{_idp.Name}";

    public async Task ChallengeAsync(HttpContext http, string callbackUrl, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _keys.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            LogUnreachable(_keys.Address, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
            await OAuthPages.Error($"Warden cannot reach {_idp.DisplayName} ({_keys.Address}) right now; try again shortly or tell the Warden admin.", StatusCodes.Status502BadGateway)
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(configuration.AuthorizationEndpoint))
        {
            await OAuthPages.Error($"{_idp.DisplayName}'s discovery document names no authorization endpoint; tell the Warden admin.", StatusCodes.Status502BadGateway)
                .ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var pending = new PendingSignIn(Random(32), Random(32), Random(48), callbackUrl, _time.GetUtcNow() + SignInWindow);
        http.Response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(pending)), new CookieOptions
        {
            Path = $"{OAuthPaths.Login}/{_idp.Name}",
            HttpOnly = true,
            Secure = http.Request.IsHttps,

            // Lax: the IdP's redirect back is a top-level navigation, which carries Lax cookies.
            SameSite = SameSiteMode.Lax,
            MaxAge = SignInWindow,
        });

        // Only OpenID Connect parameters: the MCP client's resource indicator is about Warden, not the IdP (Entra and
        // Cognito reject it), and the IdP's tokens are never used beyond this sign-in.
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = _idp.ClientId,
            ["redirect_uri"] = callbackUrl,
            ["scope"] = string.Join(' ', _idp.Scopes),
            ["state"] = pending.State,
            ["nonce"] = pending.Nonce,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(pending.CodeVerifier))),
            ["code_challenge_method"] = "S256",
        };
        var separator = configuration.AuthorizationEndpoint.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        http.Response.Redirect(configuration.AuthorizationEndpoint + separator + string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
    }

    public async ValueTask<(LoginIdentity? Identity, string? Failure)> CompleteAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var cookie = http.Request.Cookies[CookieName];
        http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = $"{OAuthPaths.Login}/{_idp.Name}" });
        if (Unprotect(cookie) is not { } pending)
        {
            return Failed("this browser has no sign-in in progress (it took longer than 10 minutes, cookies are blocked, or the callback was opened elsewhere); start again from your MCP client");
        }

        if (pending.Expires < _time.GetUtcNow())
        {
            return Failed("the sign-in took longer than 10 minutes; start again from your MCP client");
        }

        var state = query["state"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(pending.State)))
        {
            return Failed("the callback's state does not match the sign-in this browser started (a forged or mixed-up callback)");
        }

        if (!_used.TryUse(pending.State, pending.Expires))
        {
            return Failed("this callback was already used (a replay); start again from your MCP client");
        }

        if (query["error"].ToString() is { Length: > 0 } error)
        {
            var description = Clip(query["error_description"].ToString());
            return Failed($"the identity provider answered '{Clip(error)}'{(description.Length > 0 ? $": {description}" : "")}");
        }

        if (query["code"].ToString() is not { Length: > 0 } code)
        {
            return Failed("the identity provider's answer has no authorization code");
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _keys.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            LogUnreachable(_keys.Address, ex.InnerException?.GetType().Name ?? ex.GetType().Name);
            return Failed($"Warden cannot reach the identity provider ({_keys.Address}); try again shortly");
        }

        var (tokens, tokenFailure) = await RedeemAsync(configuration, code, pending, cancellationToken).ConfigureAwait(false);
        if (tokens is null)
        {
            return Failed(tokenFailure!);
        }

        if (tokens["id_token"]?.GetValue<string>() is not { Length: > 0 } idToken)
        {
            return Failed("the identity provider issued no ID token (is 'openid' among auth.server.idp.scopes?)");
        }

        var (jwt, idFailure) = await ValidateAsync(idToken, configuration, pending.Nonce).ConfigureAwait(false);
        if (jwt is null)
        {
            return Failed(idFailure!);
        }

        var claims = jwt.Claims.GroupBy(c => c.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList(), StringComparer.Ordinal);
        if (_idp.UserInfo && !string.IsNullOrEmpty(configuration.UserInfoEndpoint) && tokens["access_token"]?.GetValue<string>() is { Length: > 0 } accessToken)
        {
            if (await UserInfoAsync(configuration.UserInfoEndpoint, accessToken, jwt.Subject, claims, cancellationToken).ConfigureAwait(false) is { } userInfoFailure)
            {
                return Failed(userInfoFailure);
            }
        }

        return Identity(claims);
    }

    private (LoginIdentity?, string?) Identity(Dictionary<string, List<string>> claims)
    {
        IReadOnlyList<string> Values(string name) => claims.TryGetValue(name, out var values) ? values : [];
        string? First(string name) => Values(name) is [var value, ..] && value.Length > 0 ? value : null;

        var names = _idp.Claims;
        if (First(names.Subject) is not { } subject)
        {
            return Failed($"the ID token has no '{names.Subject}' claim naming the user (auth.server.idp.claims.subject)");
        }

        if (subject.Length > 256)
        {
            return Failed("the user id in the ID token is longer than 256 characters");
        }

        // A local user and an IdP user with the same id would share consents, tokens and stored credentials.
        if (_state.Config.Auth.Server?.Users.ContainsKey(subject) == true)
        {
            return Failed($"the IdP user id '{subject}' is also the name of a local Warden user; Warden refuses to let the two share an identity (rename the local user)");
        }

        var email = First(names.Email) ?? First("email");
        var groups = Values(names.Groups);
        var idpRoles = Values(names.Roles);
        var roles = RoleMapper.Map(_state.Config.Auth.RoleMapping, new ClaimsView(groups, idpRoles, email, Values));
        var displayName = First(names.Name) ?? First("preferred_username") ?? First("cognito:username") ?? email;
        return (new LoginIdentity(subject, displayName, email, AuthMethods.Oidc) { Roles = roles, Groups = groups, Provider = _idp.Name }, null);
    }

    private async Task<(JsonObject?, string?)> RedeemAsync(OpenIdConnectConfiguration configuration, string code, PendingSignIn pending, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(configuration.TokenEndpoint))
        {
            return (null, "the identity provider's discovery document names no token endpoint");
        }

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = pending.CallbackUrl,
            ["code_verifier"] = pending.CodeVerifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint);
        var methods = configuration.TokenEndpointAuthMethodsSupported;
        if (_idp.ClientSecret is null)
        {
            form["client_id"] = _idp.ClientId;
        }
        else if (methods.Count == 0 || methods.Contains("client_secret_basic"))
        {
            // RFC 6749 §2.3.1: both parts form-encoded before they are joined.
            var basic = $"{FormEncode(_idp.ClientId)}:{FormEncode(_idp.ClientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        else
        {
            form["client_id"] = _idp.ClientId;
            form["client_secret"] = _idp.ClientSecret;
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var json = Parse(body);
            if (!response.IsSuccessStatusCode)
            {
                var error = json?["error"]?.ToString() ?? $"HTTP {(int)response.StatusCode}";
                var description = json?["error_description"]?.ToString();
                return (null, $"the identity provider refused the authorization code ({Clip(error)}{(description is null ? "" : ": " + Clip(description))})");
            }

            return json is null ? (null, "the identity provider's token answer is not JSON") : (json, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, $"Warden cannot reach the identity provider's token endpoint ({ex.HttpRequestError})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "the identity provider's token endpoint did not answer in time");
        }
    }

    private async Task<(JsonWebToken?, string?)> ValidateAsync(string idToken, OpenIdConnectConfiguration configuration, string nonce)
    {
        var result = await _handler.ValidateTokenAsync(idToken, Parameters(configuration)).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && await _keys.RefreshAsync(CancellationToken.None).ConfigureAwait(false) is { } fresher)
        {
            result = await _handler.ValidateTokenAsync(idToken, Parameters(fresher)).ConfigureAwait(false);
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return (null, Describe(result.Exception));
        }

        // OpenID Connect Core §3.1.3.7: the nonce binds the ID token to this sign-in; azp must be Warden when there are other audiences.
        var tokenNonce = jwt.TryGetPayloadValue<string>("nonce", out var n) ? n : null;
        if (tokenNonce is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(tokenNonce), Encoding.UTF8.GetBytes(nonce)))
        {
            return (null, "the ID token's nonce does not match this sign-in (a replayed or substituted ID token)");
        }

        if (jwt.Audiences.Count() > 1 && (!jwt.TryGetPayloadValue<string>("azp", out var azp) || azp != _idp.ClientId))
        {
            return (null, $"the ID token has several audiences and its authorized party is not Warden's client id {_idp.ClientId}");
        }

        return (jwt, null);
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuer = _idp.Issuer,
        ValidateIssuer = true,
        ValidAudience = _idp.ClientId,
        ValidateAudience = true,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = _idp.Algorithms,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = _idp.ClockSkew,
        LifetimeValidator = Authentication.Oidc.TokenLifetime.Validator(_time, "The ID token"),
        LogValidationExceptions = false,
    };

    private string Describe(Exception? exception) => exception switch
    {
        SecurityTokenInvalidAudienceException => $"the ID token was not issued to Warden (its audience is not the client id {_idp.ClientId})",
        SecurityTokenInvalidIssuerException => $"the ID token was not issued by {_idp.Issuer}",
        SecurityTokenExpiredException => "the ID token has expired (check the clocks of Warden and the IdP)",
        SecurityTokenNotYetValidException => "the ID token is not valid yet (check the clocks of Warden and the IdP)",
        SecurityTokenNoExpirationException => "the ID token has no expiry",
        SecurityTokenSignatureKeyNotFoundException => "the ID token is signed with a key the identity provider does not publish",
        SecurityTokenInvalidSignatureException => "the ID token's signature does not verify with the identity provider's keys",
        SecurityTokenInvalidAlgorithmException => $"the ID token's signing algorithm is not accepted (only {string.Join(", ", _idp.Algorithms)})",
        SecurityTokenMalformedException or ArgumentException => "the ID token is not a well-formed JWT",
        _ => $"the ID token is not valid ({exception?.GetType().Name ?? "unknown reason"})",
    };

    private async Task<string?> UserInfoAsync(string endpoint, string accessToken, string subject, Dictionary<string, List<string>> claims, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        JsonObject? json;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return $"the identity provider's userinfo endpoint answered {(int)response.StatusCode} (set auth.server.idp.userInfo: false if the ID token carries every claim)";
            }

            json = Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException ex)
        {
            return $"Warden cannot reach the identity provider's userinfo endpoint ({ex.HttpRequestError})";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "the identity provider's userinfo endpoint did not answer in time";
        }

        // OpenID Connect Core §5.3.2: a userinfo answer about someone else must not be used.
        if (json is null || json["sub"]?.ToString() != subject)
        {
            return "the identity provider's userinfo answer is not about the user the ID token names";
        }

        // The signed ID token wins; userinfo only fills in what it left out.
        foreach (var (name, value) in json)
        {
            if (value is null || claims.ContainsKey(name))
            {
                continue;
            }

            claims[name] = value is JsonArray array
                ? [.. array.Where(v => v is JsonValue).Select(v => v!.ToString())]
                : value is JsonValue ? [value.ToString()] : [];
        }

        return null;
    }

    private PendingSignIn? Unprotect(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingSignIn>(_protector.Unprotect(cookie));
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (LoginIdentity?, string?) Failed(string reason) => (null, reason);

    private static string Random(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));

    private static string FormEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    // What the IdP or a forged callback says is shown on a page and recorded: kept short and printable.
    private static string Clip(string value)
    {
        var printable = new string([.. value.Where(c => !char.IsControl(c))]);
        return printable.Length > 200 ? printable[..200] + "…" : printable;
    }

    public void Dispose()
    {
        _http.Dispose();
        _keys.Dispose();
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "The sign-in IdP's discovery document at {Address} could not be fetched ({Error}); IdP sign-ins fail until it can")]
    private partial void LogUnreachable(string address, string error);
}
