using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Warden.Core.Audit;
using Warden.Core.Pipeline;
using Warden.Gateway.Security.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Warden.Gateway.Security.AuthorizationServer;

/// <summary>
/// Warden's login page (<c>/oauth/login</c>): a local user name and password, the admin key when a verifier is
/// registered, or a button per upstream IdP. Failures are rate limited per user name and per address and every
/// attempt, good or bad, is an audit record. A sign-in that cannot be recorded does not happen.
/// </summary>
internal static class LoginEndpoints
{
    public static void MapLoginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(OAuthPaths.Login, (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            SafeReturnUrl(returnUrl) is { } target
                ? LoginPage(http, antiforgery, target, null, null)
                : OAuthPages.Error("Open the sign-in page from your MCP client: it starts at the client, not here.", StatusCodes.Status400BadRequest));
        app.MapPost(OAuthPaths.Login, PostAsync).DisableAntiforgery();
        app.MapGet(OAuthPaths.Login + "/{provider}", StartUpstreamAsync);
        app.MapGet(OAuthPaths.Login + "/{provider}/callback", CompleteUpstreamAsync);
    }

    /// <summary>The sign-in cookie's principal for an identity.</summary>
    public static ClaimsPrincipal Principal(LoginIdentity identity)
    {
        var claims = new ClaimsIdentity(OAuthPaths.LoginScheme, Claims.Name, Claims.Role);
        claims.AddClaim(new Claim(Claims.Subject, identity.Subject));
        claims.AddClaim(new Claim(Claims.Name, identity.DisplayName ?? identity.Subject));
        claims.AddClaim(new Claim(WardenClaims.LoginMethod, identity.Method));
        if (identity.Email is { } email)
        {
            claims.AddClaim(new Claim(Claims.Email, email));
        }

        foreach (var role in identity.Roles)
        {
            claims.AddClaim(new Claim(WardenClaims.Role, role));
        }

        return new ClaimsPrincipal(claims);
    }

    private static IResult LoginPage(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? error, string? userName, int status = StatusCodes.Status200OK) =>
        OAuthPages.Login(returnUrl, antiforgery.GetAndStoreTokens(http).RequestToken!, error, userName,
            http.RequestServices.GetService<IAdminKeyVerifier>() is not null, http.RequestServices.GetServices<IUpstreamLogin>(), status);

    private static async Task<IResult> PostAsync(HttpContext http, IAntiforgery antiforgery, LocalUsers users, LoginThrottle throttle, AuthAuditor auditor)
    {
        if (!http.Request.HasFormContentType)
        {
            return OAuthPages.Error("Sign in through the form on the login page.", StatusCodes.Status400BadRequest);
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return OAuthPages.Error("The sign-in form expired or did not come from Warden's page; start again from your MCP client.", StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (SafeReturnUrl(form["returnUrl"]) is not { } returnUrl)
        {
            return OAuthPages.Error("The sign-in form has no valid return address; start again from your MCP client.", StatusCodes.Status400BadRequest);
        }

        var address = http.Connection.RemoteIpAddress?.ToString();
        var adminKey = form["admin_key"].ToString();
        var verifier = http.RequestServices.GetService<IAdminKeyVerifier>();
        var userName = adminKey.Length > 0 && verifier is not null ? "admin" : form["username"].ToString().Trim();
        var method = adminKey.Length > 0 && verifier is not null ? AuthMethods.AdminKey : AuthMethods.Password;

        // An over-long "user name" is likely a pasted password: keep it out of the audit log.
        var recordedName = userName.Length is > 0 and <= 64 ? userName : "(invalid user name)";
        var attempt = new AuditUserIdentity { Subject = recordedName, AuthMethod = method };
        if (throttle.RetryAfter(recordedName, address) is { } wait)
        {
            await auditor.RecordAsync(AuthEvents.LoginFailed, attempt, false, "sign-in locked after repeated failures", new JsonObject { ["locked"] = true }, http, cancellationToken: http.RequestAborted);
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return LoginPage(http, antiforgery, returnUrl, $"Too many failed sign-ins. Try again in {Math.Ceiling(wait.TotalMinutes)} minute(s), or ask the Warden admin.", userName, StatusCodes.Status429TooManyRequests);
        }

        LoginIdentity? identity;
        if (method == AuthMethods.AdminKey)
        {
            identity = await verifier!.VerifyAsync(adminKey, http.RequestAborted)
                ? new LoginIdentity("admin", "Warden admin", null, AuthMethods.AdminKey) { Roles = ["admin"] }
                : null;
        }
        else
        {
            identity = users.Verify(userName, form["password"].ToString());
        }

        if (identity is null)
        {
            var locked = throttle.Failed(recordedName, address);
            await auditor.RecordAsync(AuthEvents.LoginFailed, attempt, false, method == AuthMethods.AdminKey ? "wrong admin key" : "wrong user name or password",
                new JsonObject { ["locked"] = locked }, http, cancellationToken: http.RequestAborted);
            return LoginPage(http, antiforgery, returnUrl, method == AuthMethods.AdminKey ? "That is not the admin key." : "Wrong user name or password.", userName, StatusCodes.Status401Unauthorized);
        }

        return await SignInAsync(http, identity, returnUrl, throttle, auditor);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, LoginIdentity identity, string returnUrl, LoginThrottle throttle, AuthAuditor auditor)
    {
        var user = new AuditUserIdentity { Subject = identity.Subject, DisplayName = identity.DisplayName, AuthMethod = identity.Method, Roles = identity.Roles };
        var reason = identity.Provider is { } provider ? $"signed in at {provider} through Warden ({identity.Method})" : $"signed in at Warden ({identity.Method})";
        var details = identity.Provider is null ? null : new JsonObject
        {
            ["provider"] = identity.Provider,
            ["email"] = identity.Email,
            ["groups"] = new JsonArray([.. identity.Groups.Take(50).Select(g => JsonValue.Create(g))]),
            ["roles"] = new JsonArray([.. identity.Roles.Select(r => JsonValue.Create(r))]),
        };
        if (!await auditor.RecordAsync(AuthEvents.Login, user, true, reason, details, http, cancellationToken: http.RequestAborted))
        {
            return OAuthPages.Error("Warden cannot record the sign-in in its audit log right now, so it cannot let you in; try again shortly or tell the Warden admin.", StatusCodes.Status503ServiceUnavailable);
        }

        throttle.Succeeded(identity.Subject);
        await http.SignInAsync(OAuthPaths.LoginScheme, Principal(identity));
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> StartUpstreamAsync(HttpContext http, string provider, string? returnUrl)
    {
        if (Upstream(http, provider) is not { } login || SafeReturnUrl(returnUrl) is not { } target)
        {
            return OAuthPages.Error($"There is no sign-in provider '{provider}' here, or the sign-in did not start at an MCP client.", StatusCodes.Status404NotFound);
        }

        http.Response.Cookies.Append("warden_return", target, new CookieOptions { Path = "/oauth", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromMinutes(15) });
        await login.ChallengeAsync(http, $"{AuthChallenge.BaseUrl(http.Request, null)}{OAuthPaths.Login}/{Uri.EscapeDataString(provider)}/callback", http.RequestAborted);
        return Results.Empty;
    }

    private static async Task<IResult> CompleteUpstreamAsync(HttpContext http, string provider, LoginThrottle throttle, AuthAuditor auditor)
    {
        var unknown = new AuditUserIdentity { Subject = "unknown", AuthMethod = AuthMethods.Oidc };
        if (Upstream(http, provider) is not { } login)
        {
            return OAuthPages.Error($"There is no sign-in provider '{provider}' here.", StatusCodes.Status404NotFound);
        }

        if (SafeReturnUrl(http.Request.Cookies["warden_return"]) is not { } returnUrl)
        {
            await auditor.RecordAsync(AuthEvents.LoginFailed, unknown, false, $"sign-in at {provider} failed: the callback did not come to a browser that started a sign-in at Warden",
                new JsonObject { ["provider"] = provider }, http, cancellationToken: http.RequestAborted);
            return OAuthPages.Error("This sign-in did not start at Warden in this browser; start again from your MCP client.", StatusCodes.Status400BadRequest);
        }

        var (identity, failure) = await login.CompleteAsync(http, http.RequestAborted);
        if (identity is null)
        {
            await auditor.RecordAsync(AuthEvents.LoginFailed, unknown, false,
                $"sign-in at {provider} failed: {failure}", new JsonObject { ["provider"] = provider }, http, cancellationToken: http.RequestAborted);
            return OAuthPages.Error($"Sign-in at {login.DisplayName} failed: {failure}.", StatusCodes.Status401Unauthorized);
        }

        http.Response.Cookies.Delete("warden_return", new CookieOptions { Path = "/oauth" });
        return await SignInAsync(http, identity, returnUrl, throttle, auditor);
    }

    private static IUpstreamLogin? Upstream(HttpContext http, string provider) =>
        http.RequestServices.GetServices<IUpstreamLogin>().FirstOrDefault(l => string.Equals(l.Name, provider, StringComparison.Ordinal));

    // Only back into the authorization endpoint: the login page must not be an open redirect.
    private static string? SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && (url == OAuthPaths.Authorize || url.StartsWith(OAuthPaths.Authorize + "?", StringComparison.Ordinal)) ? url : null;
}
