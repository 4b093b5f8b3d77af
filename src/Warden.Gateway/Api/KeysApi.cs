using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Warden.Core.Identity;
using Warden.Core.Pipeline;
using Warden.Gateway.Security;
using Warden.Gateway.Security.Authentication;

namespace Warden.Gateway.Api;

/// <summary>
/// <c>/api/v1/keys</c> (admins only, see <see cref="OperatorAccess"/>): <c>GET</c> lists keys (<c>?all=true</c> with
/// revoked ones), <c>POST</c> makes one and returns it once, <c>DELETE /api/v1/keys/{id}</c> revokes one. Creation and
/// revocation are audit records naming the admin who made them; a key whose creation cannot be recorded is not handed out.
/// </summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/keys", ListAsync);
        app.MapPost("/api/v1/keys", CreateAsync);
        app.MapDelete("/api/v1/keys/{id}", RevokeAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var all = string.Equals(request.Query["all"], "true", StringComparison.OrdinalIgnoreCase);
        var list = new JsonArray();
        foreach (var key in await keys.ListAsync(all, cancellationToken).ConfigureAwait(false))
        {
            list.Add(ApiKeyEvents.Describe(key));
        }

        return Results.Json(new JsonObject { ["keys"] = list });
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApiKeyService keys, AuthAuditor auditor, TimeProvider time, CancellationToken cancellationToken)
    {
        var actor = OperatorAccess.CallerOf(http)!;
        JsonObject? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonNode>(http.Request.Body, cancellationToken: cancellationToken).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return Bad("""The body must be a JSON object such as {"name": "ci-bot", "roles": ["engineering"], "expires": "90d", "on_behalf_of": "alice"}.""");
        }

        var now = time.GetUtcNow();
        var problems = new List<string>();
        DateTimeOffset? expires = now + ApiKeyRequest.DefaultLifetime;
        if (Text(body, "expires", problems) is { } expiresText && !ApiKeyRequest.TryParseExpiry(expiresText, now, out expires))
        {
            problems.Add($"expires must be a lifetime (90d, 12h, 1y), an ISO 8601 date or 'never', got '{expiresText}'");
        }

        var request = new ApiKeyRequest
        {
            Name = Text(body, "name", problems) ?? "",
            User = Text(body, "user", problems),
            OnBehalfOf = Text(body, "on_behalf_of", problems),
            Roles = List(body, "roles", problems),
            Servers = List(body, "servers", problems),
            Tools = List(body, "tools", problems),
            Expires = expires,
        };
        problems.AddRange(request.Problems(now));
        if (problems.Count > 0)
        {
            return Bad(string.Join("; ", problems));
        }

        var issued = await keys.CreateAsync(request, actor.Subject, cancellationToken).ConfigureAwait(false);
        var details = ApiKeyEvents.Describe(issued.Key);
        if (!await auditor.RecordAsync(AuthEvents.KeyCreated, actor.ToAuditIdentity(), allowed: true, ApiKeyEvents.Reason(AuthEvents.KeyCreated, issued.Key),
                details, http, [ApiKeyEvents.Resource(issued.Key, "created")], cancellationToken).ConfigureAwait(false))
        {
            await keys.DeleteAsync(issued.Key.Id, CancellationToken.None).ConfigureAwait(false);
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Key not created",
                detail: "The key's creation could not be recorded in the audit log, so no key was made; try again when the log is writable (see /readyz).");
        }

        http.Response.Headers.CacheControl = "no-store";
        var answer = ApiKeyEvents.Describe(issued.Key);
        answer["key"] = issued.Token;
        answer["usage"] = $"Send it as 'Authorization: Bearer {issued.Token[..8]}…'. It is shown only now: store it in a secret manager.";
        return Results.Json(answer, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext http, ApiKeyService keys, AuthAuditor auditor, CancellationToken cancellationToken)
    {
        var actor = OperatorAccess.CallerOf(http)!;
        if (!ApiKeyToken.IsId(id) || await keys.Store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such key", detail: $"No API key has id '{Printable(id)}'; list them with GET /api/v1/keys?all=true.");
        }

        if (existing.Revoked is not null)
        {
            return Results.Json(ApiKeyEvents.Describe(existing));
        }

        var revoked = (await keys.RevokeAsync(id, actor.Subject, cancellationToken).ConfigureAwait(false))!;
        var recorded = await auditor.RecordAsync(AuthEvents.KeyRevoked, actor.ToAuditIdentity(), allowed: true, ApiKeyEvents.Reason(AuthEvents.KeyRevoked, revoked),
            ApiKeyEvents.Describe(revoked), http, [ApiKeyEvents.Resource(revoked, "revoked")], cancellationToken).ConfigureAwait(false);
        var answer = ApiKeyEvents.Describe(revoked);
        if (!recorded)
        {
            // The revocation stands (refusing it would keep a compromised key alive); the missing record is said.
            answer["warning"] = "The key is revoked, but the revocation could not be recorded in the audit log (see Warden's log and /readyz).";
        }

        return Results.Json(answer);
    }

    private static string? Text(JsonObject body, string name, List<string> problems)
    {
        if (body[name] is null)
        {
            return null;
        }

        if (body[name] is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        problems.Add($"{name} must be a string");
        return null;
    }

    private static string[] List(JsonObject body, string name, List<string> problems)
    {
        if (body[name] is null)
        {
            return [];
        }

        if (body[name] is JsonArray array && array.All(v => v is JsonValue value && value.TryGetValue<string>(out _)))
        {
            return array.Select(v => v!.GetValue<string>()).ToArray();
        }

        problems.Add($"{name} must be an array of strings");
        return [];
    }

    private static IResult Bad(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad key request", detail: detail);

    private static string Printable(string value) => new(value.Take(64).Where(c => !char.IsControl(c)).ToArray());
}
