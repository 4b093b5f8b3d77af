using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Warden.Core.Configuration;
using Warden.Core.Pipeline;
using Warden.Core.Authorization;
using Warden.Gateway.Authorization;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Security;

/// <summary>
/// Guards Warden's own operator surface: <c>/api/v1/…</c> and <c>/metrics</c> always need a credential (the admin key,
/// or an API key or token whose roles allow it), on the loopback default too, because the audit log holds what every
/// user did. <c>GET /api/v1/audit…</c> is open to auditor roles, <c>/metrics</c> to metrics roles; every other
/// <c>/api/v1</c> path is admin-only unless listed in <see cref="LevelOf"/> (fail closed for endpoints added later).
/// Answers 401 without a valid credential, 403 when its roles do not reach, 429 while the address is rate limited.
/// </summary>
public sealed class OperatorAccess(IEnumerable<ICallerAuthenticator> authenticators, WardenState state, RoleAccess roles) : IMiddleware
{
    private const string CallerItem = "warden.operator";
    private readonly ICallerAuthenticator[] _authenticators = authenticators.ToArray();

    /// <summary>The level a path needs, or null when it is not part of the operator surface.</summary>
    public static AccessLevel? LevelOf(HttpRequest request)
    {
        var path = request.Path;
        if (path.Equals("/metrics", StringComparison.OrdinalIgnoreCase))
        {
            return AccessLevel.Metrics;
        }

        // /api/v1/me/… is every user's own (their upstream credentials): it identifies its caller as /mcp does.
        if (!path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/api/v1/me", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return HttpMethods.IsGet(request.Method) && path.StartsWithSegments("/api/v1/audit", StringComparison.OrdinalIgnoreCase)
            ? AccessLevel.AuditRead
            : AccessLevel.Admin;
    }

    /// <summary>The authenticated operator of this request (set once <see cref="InvokeAsync"/> admitted it).</summary>
    public static Caller? CallerOf(HttpContext http) => http.Items.TryGetValue(CallerItem, out var caller) ? caller as Caller : null;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (LevelOf(context.Request) is not { } level)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var result = await AuthenticateAsync(context, context.RequestAborted).ConfigureAwait(false);
        switch (result.Status)
        {
            case AuthenticationStatus.Succeeded when Allows(result.Caller!, level, state.Config.Auth, roles.For(result.Caller!)):
                context.Items[CallerItem] = result.Caller;
                await next(context).ConfigureAwait(false);
                return;
            case AuthenticationStatus.Succeeded:
                await ProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
                    $"{result.Caller!.Subject} may not use {context.Request.Path}: it needs {Needs(level, state.Config.Auth)}.").ConfigureAwait(false);
                return;
            case AuthenticationStatus.Throttled:
                context.Response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many refused credentials", result.Description ?? "Try again later.").ConfigureAwait(false);
                return;
            case AuthenticationStatus.Unavailable:
                context.Response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Authentication unavailable", result.Description ?? "Try again shortly.").ConfigureAwait(false);
                return;
            case AuthenticationStatus.Forbidden:
                await ProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden", result.Description ?? "Forbidden.").ConfigureAwait(false);
                return;
            default:
                context.Response.Headers.WWWAuthenticate = result.Status == AuthenticationStatus.Failed
                    ? "Bearer realm=\"warden\", error=\"invalid_token\""
                    : "Bearer realm=\"warden\"";
                await ProblemAsync(context, StatusCodes.Status401Unauthorized, "Authentication required", result.Description
                    ?? $"{context.Request.Path} needs a credential: send the admin key (printed when Warden first started; make a new one with `warden keys rotate-admin`) "
                       + $"or an API key with {Needs(level, state.Config.Auth)} as 'Authorization: Bearer …'.").ConfigureAwait(false);
                return;
        }
    }

    /// <summary>Whether this request carries a credential good for one of <paramref name="levels"/> (for endpoints that say more to operators, such as /readyz).</summary>
    public async ValueTask<bool> AdmitsAsync(HttpContext context, params AccessLevel[] levels)
    {
        var result = await AuthenticateAsync(context, context.RequestAborted).ConfigureAwait(false);
        return result.Status == AuthenticationStatus.Succeeded && levels.Any(level => Allows(result.Caller!, level, state.Config.Auth, roles.For(result.Caller!)));
    }

    /// <summary>
    /// True when <paramref name="caller"/>'s roles reach <paramref name="level"/>. The roles are the credential's plus
    /// those the <c>users:</c> section assigns (<paramref name="access"/>); a configured role with <c>audit: read</c>
    /// reads the audit log like an <c>auth.auditorRoles</c> role. "No roles configured" opens tools, never this surface.
    /// </summary>
    public static bool Allows(Caller caller, AccessLevel level, AuthConfig auth, CallerAccess access)
    {
        var held = access.Roles;
        if (caller.AuthMethod == AuthMethods.AdminKey || held.Any(auth.AdminRoles.Contains))
        {
            return true;
        }

        return level switch
        {
            AccessLevel.AuditRead => held.Any(auth.AuditorRoles.Contains) || access.CanReadAudit,
            AccessLevel.Metrics => held.Any(auth.MetricsRoles.Contains),
            _ => false,
        };
    }

    // The operator surface never falls back to the local user: a credential is always needed here.
    private async ValueTask<AuthenticationResult> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        foreach (var authenticator in _authenticators)
        {
            var result = await authenticator.AuthenticateAsync(context, cancellationToken).ConfigureAwait(false);
            if (result.Status != AuthenticationStatus.NoCredential)
            {
                return result;
            }
        }

        return AuthenticationResult.NoCredential;
    }

    private static string Needs(AccessLevel level, AuthConfig auth)
    {
        var roles = level switch
        {
            AccessLevel.AuditRead => auth.AdminRoles.Concat(auth.AuditorRoles),
            AccessLevel.Metrics => auth.AdminRoles.Concat(auth.MetricsRoles),
            _ => auth.AdminRoles,
        };
        return $"the admin key or one of the roles {string.Join(", ", roles.Distinct())}";
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        return context.Response.WriteAsync(new JsonObject { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail }.ToJsonString(), context.RequestAborted);
    }
}
