using System.Text;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

// Queries (for the store and the read-only CLI alike): each filter is a condition on an indexed column (or on the resources table); globs become SQLite
// GLOB patterns, which use an index when they start with literal text.
public sealed partial class SqliteAuditReader
{
    /// <summary>The records a query selects, newest first, one page at a time.</summary>
    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(query.Limit, 1, 1000);
        // Pruned records have no content left for a filter to match; they are skipped.
        var sql = new StringBuilder("SELECT r.seq, r.record FROM audit_records r WHERE r.source <> '" + SqliteAuditSchema.PrunedSource + "'");
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();

        void Where(string condition, params (string Name, object Value)[] parameters)
        {
            sql.Append(" AND ").Append(condition);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        if (query.User is { } user)
        {
            Where("r.subject = $user", ("$user", user));
        }

        if (query.Role is { } role)
        {
            Where("r.roles LIKE $role ESCAPE '\\'", ("$role", "%|" + EscapeLike(role) + "|%"));
        }

        if (query.Server is { } server)
        {
            Where("r.server GLOB $server", ("$server", server));
        }

        if (query.Tool is { } tool)
        {
            Where("r.name GLOB $tool", ("$tool", tool));
        }

        if (query.Method is { } method)
        {
            Where("r.method = $method", ("$method", method));
        }

        if (query.Decision is { } effect)
        {
            Where("r.effect = $effect", ("$effect", effect.ToString().ToLowerInvariant()));
        }

        if (query.Source is { } source)
        {
            Where("r.source = $source", ("$source", source.ToString().ToLowerInvariant()));
        }

        if (query.Session is { } session)
        {
            Where("r.session_id = $session", ("$session", session));
        }

        if (query.From is { } from)
        {
            Where("r.ts >= $from", ("$from", SqliteAuditSchema.Timestamp(from)));
        }

        if (query.To is { } to)
        {
            Where("r.ts < $to", ("$to", SqliteAuditSchema.Timestamp(to)));
        }

        if (query.Before is { } before)
        {
            Where("r.seq < $before", ("$before", before));
        }

        if (query.Resource is { } resource)
        {
            var colon = resource.IndexOf(':', StringComparison.Ordinal);
            var (kind, pattern) = colon > 0 ? (AuditQuery.ResourceKind(resource[..colon]), resource[(colon + 1)..]) : ((string?)null, resource);

            // "**" (any depth) and "*" are the same to GLOB, which lets "*" cross "/".
            pattern = pattern.Replace("**", "*", StringComparison.Ordinal);
            Where(kind is null
                    ? "EXISTS (SELECT 1 FROM audit_resources d WHERE d.seq = r.seq AND d.value GLOB $resource)"
                    : "EXISTS (SELECT 1 FROM audit_resources d WHERE d.seq = r.seq AND d.kind = $kind AND d.value GLOB $resource)",
                ("$resource", pattern));
            if (kind is not null)
            {
                command.Parameters.AddWithValue("$kind", kind);
            }
        }

        if (query.Text is { } text)
        {
            Where("CAST(r.record AS TEXT) LIKE $text ESCAPE '\\'", ("$text", "%" + EscapeLike(text) + "%"));
        }

        sql.Append(" ORDER BY r.seq DESC LIMIT $limit");
        command.Parameters.AddWithValue("$limit", limit + 1);
        command.CommandText = sql.ToString();

        var records = new List<AuditRecord>(limit);
        var more = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (records.Count == limit)
                {
                    more = true;
                    break;
                }

                records.Add(SqliteAuditReader.Decode(reader.GetInt64(0), (byte[])reader.GetValue(1)));
            }
        }

        return new AuditPage(records, more ? records[^1].Seq : null);
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
