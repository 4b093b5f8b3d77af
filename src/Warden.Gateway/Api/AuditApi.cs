using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Warden.Core.Audit;
using Warden.Core.Audit.Operations;
using Warden.Core.Audit.Timeline;
using Warden.Gateway.Hosting;
using Warden.Gateway.Security;
using Warden.Core.Audit.Privacy;

namespace Warden.Gateway.Api;

/// <summary>
/// <c>GET /api/v1/audit</c>: the audit log, filtered and paged (newest first); <c>GET /api/v1/audit/sessions/{id}/timeline</c>:
/// one session in order. Each record comes back opened: its sealed personal fields decrypted (or <c>[erased]</c> once the
/// subject's key is destroyed), with the stored record's hash; the stored form that hashes to it is what <c>warden audit
/// export</c> writes. <c>GET /api/v1/audit/stream</c> follows the log live, records opened the same way (<see cref="AuditStream"/>).
/// </summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", QueryAsync);
        app.MapGet("/api/v1/audit/stream", (HttpContext http, IAuditStore store, AuditRecordSealer sealer, OperatorAccess access, TimeProvider time) =>
            AuditStream.RunAsync(http, store, sealer, () => access.AdmitsAsync(http, AccessLevel.AuditRead), time));
        app.MapGet("/api/v1/audit/{id}", async (string id, IAuditStore store, AuditRecordSealer sealer, CancellationToken cancellationToken) =>
            await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is { } record
                ? Results.Text(System.Text.Encoding.UTF8.GetString(AuditRecordEncoder.Encode(await sealer.OpenAsync(record, cancellationToken).ConfigureAwait(false))), "application/json")
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such record", detail: $"No audit record has id '{id}'."));
        app.MapGet("/api/v1/audit/sessions/{id}/timeline", TimelineAsync);
        return app;
    }

    // Every record of one session in seq order, with offsets, decisions, data touched and the diffs of edited files.
    private static async Task<IResult> TimelineAsync(string id, IAuditStore store, AuditRecordSealer sealer, WardenState state, CancellationToken cancellationToken)
    {
        var records = await SessionTimeline.LoadAsync((query, ct) => OpenedPageAsync(store, sealer, query, ct), id, cancellationToken).ConfigureAwait(false);
        if (records.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such session",
                detail: $"No audit record has session_id '{id}'; find session ids with GET /api/v1/audit (each record's session_id).");
        }

        var timeline = SessionTimeline.Build(id, records, new ToolOperations(state.Config.Audit.Operations));
        return Results.Json(TimelineJson.ToJson(timeline));
    }

    private static async Task<AuditPage> OpenedPageAsync(IAuditStore store, AuditRecordSealer sealer, AuditQuery query, CancellationToken cancellationToken)
    {
        var page = await store.QueryAsync(query, cancellationToken).ConfigureAwait(false);
        var opened = new List<AuditRecord>(page.Records.Count);
        foreach (var record in page.Records)
        {
            opened.Add(await sealer.OpenAsync(record, cancellationToken).ConfigureAwait(false));
        }

        return page with { Records = opened };
    }

    private static async Task<IResult> QueryAsync(HttpRequest request, IAuditStore store, AuditRecordSealer sealer, CancellationToken cancellationToken)
    {
        if (Parse(request.Query) is not { } query)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad audit query", detail: ProblemOf(request.Query));
        }

        // Records name subjects by pseudonym: ?user=alice looks hers up first.
        var page = await store.QueryAsync(await sealer.ResolveAsync(query, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var records = new JsonArray();
        foreach (var record in page.Records)
        {
            records.Add(JsonNode.Parse(AuditRecordEncoder.Encode(await sealer.OpenAsync(record, cancellationToken).ConfigureAwait(false))));
        }

        return Results.Json(new JsonObject { ["records"] = records, ["next"] = page.NextCursor is { } next ? next.ToString(CultureInfo.InvariantCulture) : null });
    }

    /// <summary>The query the parameters describe, or null when one of them is invalid (see <see cref="ProblemOf"/>).</summary>
    public static AuditQuery? Parse(IQueryCollection q) => ProblemOf(q) is null ? Build(q) : null;

    private static AuditQuery Build(IQueryCollection q) => new()
    {
        User = Value(q, "user"),
        Role = Value(q, "role"),
        Server = Value(q, "server"),
        Tool = Value(q, "tool"),
        Method = Value(q, "method"),
        Resource = Value(q, "resource"),
        Decision = Value(q, "decision") is { } d ? Enum.Parse<AuditEffect>(d, ignoreCase: true) : null,
        Source = Value(q, "source") is { } s ? Enum.Parse<AuditSource>(s, ignoreCase: true) : null,
        Session = Value(q, "session"),
        From = Value(q, "from") is { } from ? DateTimeOffset.Parse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null,
        To = Value(q, "to") is { } to ? DateTimeOffset.Parse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null,
        Text = Value(q, "q"),
        Before = Value(q, "cursor") is { } cursor ? long.Parse(cursor, CultureInfo.InvariantCulture) : null,
        Limit = Value(q, "limit") is { } limit ? int.Parse(limit, CultureInfo.InvariantCulture) : 100,
    };

    /// <summary>What is wrong with the parameters, in words a user can act on; null when nothing is.</summary>
    public static string? ProblemOf(IQueryCollection q)
    {
        var known = new HashSet<string>(StringComparer.Ordinal) { "user", "role", "server", "tool", "method", "resource", "decision", "source", "session", "from", "to", "q", "cursor", "limit" };
        if (q.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            return $"Unknown parameter '{unknown}'; use {string.Join(", ", known)}.";
        }

        if (Value(q, "decision") is { } d && !Enum.TryParse<AuditEffect>(d, ignoreCase: true, out _))
        {
            return $"decision must be allow or deny, got '{d}'.";
        }

        if (Value(q, "source") is { } s && !Enum.TryParse<AuditSource>(s, ignoreCase: true, out _))
        {
            return $"source must be one of {string.Join(", ", Enum.GetNames<AuditSource>().Select(n => n.ToLowerInvariant()))}, got '{s}'.";
        }

        foreach (var name in new[] { "from", "to" })
        {
            if (Value(q, name) is { } t && !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                return $"{name} must be an ISO 8601 time such as 2026-11-24T09:00:00Z, got '{t}'.";
            }
        }

        if (Value(q, "cursor") is { } c && !long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return $"cursor must be the 'next' value of a previous page, got '{c}'.";
        }

        if (Value(q, "limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 1000))
        {
            return $"limit must be a number from 1 to 1000, got '{l}'.";
        }

        if (Value(q, "resource") is { } r && r.StartsWith(':'))
        {
            return $"resource must be kind:glob (table:customers*, file:**/.env) or a glob, got '{r}'.";
        }

        return null;
    }

    private static string? Value(IQueryCollection q, string name) => q.TryGetValue(name, out var v) && v.Count > 0 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;
}
