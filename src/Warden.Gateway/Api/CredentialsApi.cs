using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Warden.Core.Configuration;
using Warden.Core.Identity;
using Warden.Core.Pipeline;
using Warden.Gateway.Authorization;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security.Authentication;
using Warden.Gateway.Upstreams;

namespace Warden.Gateway.Api;

/// <summary>
/// <c>/api/v1/me/credentials</c>: a user's own upstream credentials (their GitHub token, say), entered once and then
/// injected into their connections to that server only. The caller is identified as on <c>/mcp</c> (so the loopback
/// default's local user may store theirs); they may store one only for a server with per-user credentials that their
/// roles reach. The secret is never returned, logged or recorded; storing and deleting are audit records.
/// </summary>
public static class CredentialsApi
{
    public const string Prefix = "/api/v1/me/credentials";

    public static IEndpointRouteBuilder MapCredentialsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix, ListAsync);
        app.MapPut(Prefix + "/{server}", SetAsync);
        app.MapDelete(Prefix + "/{server}", DeleteAsync);
        return app;
    }

    private static async Task ListAsync(HttpContext http, ICallerIdentifier identifier, WardenState state, RoleAccess roles, UpstreamCredentialService credentials)
    {
        if (await CallerAsync(http, identifier, state) is not { } caller)
        {
            return;
        }

        var access = roles.For(caller);
        var stored = (await credentials.ListAsync(null, caller.Subject, http.RequestAborted)).ToDictionary(c => c.Server, StringComparer.Ordinal);
        var servers = new JsonArray();
        foreach (var server in state.Config.Servers.Values.Where(s => s.Credentials is { Scope: CredentialScope.PerUser } && access.CanReachServer(s.Name)))
        {
            servers.Add(new JsonObject
            {
                ["server"] = server.Name,
                ["required"] = server.Credentials!.Required,
                ["carried_as"] = server.Credentials.Env is { } env ? "env:" + env : "header:" + server.Credentials.Header,
                ["stored"] = stored.ContainsKey(server.Name),
                ["updated"] = stored.TryGetValue(server.Name, out var c) ? c.Updated.UtcDateTime.ToString("O") : null,
            });
        }

        await Results.Json(new JsonObject { ["subject"] = caller.Subject, ["servers"] = servers }).ExecuteAsync(http);
    }

    private static async Task SetAsync(HttpContext http, string server, ICallerIdentifier identifier, WardenState state, RoleAccess roles, UpstreamCredentialService credentials, AuthAuditor audit)
    {
        if (await CallerAsync(http, identifier, state) is not { } caller || await ServerAsync(http, server, caller, state, roles) is not { } config)
        {
            return;
        }

        string? secret = null;
        try
        {
            if (http.Request.ContentLength is > UpstreamCredentialService.MaxSecretLength * 2)
            {
                await ProblemAsync(http, StatusCodes.Status413PayloadTooLarge, $"The body is larger than a credential can be; send {{\"secret\": \"…\"}} with the token itself.");
                return;
            }

            var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            secret = body?["secret"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        }
        catch (JsonException)
        {
        }

        if (secret is null)
        {
            await ProblemAsync(http, StatusCodes.Status400BadRequest, "Send a JSON body {\"secret\": \"…\"} with the token or key for this server.");
            return;
        }

        if (await credentials.SetAsync(config.Name, caller.Subject, secret, caller.Subject, http.RequestAborted) is { } problem)
        {
            await ProblemAsync(http, StatusCodes.Status400BadRequest, problem);
            return;
        }

        await audit.RecordAsync(AuthEvents.UpstreamCredential, caller.ToAuditIdentity(), allowed: true, CredentialEvents.Reason(CredentialEvents.Set, config.Name, caller.Subject),
            CredentialEvents.Arguments(CredentialEvents.Set, config.Name, caller.Subject), http, cancellationToken: http.RequestAborted);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DeleteAsync(HttpContext http, string server, ICallerIdentifier identifier, WardenState state, RoleAccess roles, UpstreamCredentialService credentials, AuthAuditor audit)
    {
        if (await CallerAsync(http, identifier, state) is not { } caller || await ServerAsync(http, server, caller, state, roles) is not { } config)
        {
            return;
        }

        if (!await credentials.DeleteAsync(config.Name, caller.Subject, http.RequestAborted))
        {
            await ProblemAsync(http, StatusCodes.Status404NotFound, $"No credential of yours is stored for server '{config.Name}'.");
            return;
        }

        await audit.RecordAsync(AuthEvents.UpstreamCredential, caller.ToAuditIdentity(), allowed: true, CredentialEvents.Reason(CredentialEvents.Deleted, config.Name, caller.Subject),
            CredentialEvents.Arguments(CredentialEvents.Deleted, config.Name, caller.Subject), http, cancellationToken: http.RequestAborted);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task<Caller?> CallerAsync(HttpContext http, ICallerIdentifier identifier, WardenState state)
    {
        var result = await identifier.IdentifyAsync(http, http.RequestAborted);
        if (result.Caller is { } caller)
        {
            return caller;
        }

        await AuthChallenge.WriteAsync(http, result, state.Config.Listen.PublicUrl);
        return null;
    }

    // A server the caller's roles do not reach reads as unknown, as on /mcp (no enumeration).
    private static async Task<ServerConfig?> ServerAsync(HttpContext http, string server, Caller caller, WardenState state, RoleAccess roles)
    {
        if (!state.Config.Servers.TryGetValue(server, out var config) || !roles.For(caller).CanReachServer(server))
        {
            await ProblemAsync(http, StatusCodes.Status404NotFound, $"Unknown server '{server}'; GET {Prefix} lists the servers that take your own credential.");
            return null;
        }

        if (config.Credentials is not { Scope: CredentialScope.PerUser })
        {
            await ProblemAsync(http, StatusCodes.Status409Conflict, $"Server '{server}' does not take per-user credentials{(config.Credentials is null ? "" : " (an admin stores its shared one)")}.");
            return null;
        }

        return config;
    }

    private static Task ProblemAsync(HttpContext http, int status, string detail) =>
        Results.Problem(statusCode: status, detail: detail).ExecuteAsync(http);
}
