using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Warden.Core.Audit;

namespace Warden.Storage.Sqlite;

// Queries (for the store and the read-only CLI alike). The records the query index (SqliteAuditIndex) covers are
// found through its indexes; the few it has not reached yet (the last fraction of a second of a busy log, or all
// of a log whose index is missing) are scanned. Globs become SQLite GLOB patterns, which use an index when they
// start with literal text.
public sealed partial class SqliteAuditReader
{
    /// <summary>The records a query selects, newest first, one page at a time.</summary>
    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(query.Limit, 1, 1000);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var indexedUpto = await AttachIndexAsync(connection, cancellationToken).ConfigureAwait(false);

        // One more than a page, to know whether there is a next one. Newest first: the unindexed tail, then the rest.
        var records = new List<AuditRecord>(limit + 1);
        await SelectAsync(connection, query, indexedUpto, indexed: false, limit + 1, records, cancellationToken).ConfigureAwait(false);
        if (records.Count <= limit && indexedUpto > 0)
        {
            await SelectAsync(connection, query, indexedUpto, indexed: true, limit + 1 - records.Count, records, cancellationToken).ConfigureAwait(false);
        }

        var more = records.Count > limit;
        if (more)
        {
            records.RemoveAt(limit);
        }

        return new AuditPage(records, more ? records[^1].Seq : null);
    }

    /// <summary>How many records (from seq 1) queries find through the index; the rest they scan.</summary>
    internal async Task<long> IndexedUptoAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await AttachIndexAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    // Attaches the index file as "idx" and returns the seq it covers, or 0 when there is no index this log can use
    // (none yet, damaged, or built for another log).
    private async Task<long> AttachIndexAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (!File.Exists(_indexPath))
        {
            return 0;
        }

        try
        {
            await using var attach = connection.CreateCommand();
            attach.CommandText = "ATTACH DATABASE $path AS idx";
            attach.Parameters.AddWithValue("$path", _indexPath);
            await attach.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            await using var state = connection.CreateCommand();
            state.CommandText = """
                SELECT s.indexed_upto FROM idx.index_state s
                WHERE s.id = 1
                  AND s.first_hash IS (SELECT hash FROM main.audit_records WHERE seq = 1)
                  AND s.indexed_upto <= (SELECT COALESCE(MAX(seq), 0) FROM main.audit_records)
                """;
            return await state.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long upto ? upto : 0;
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The stored bytes of the records <paramref name="filter"/> selects (every record when null), oldest first, from
    /// <paramref name="fromSeq"/> through <paramref name="throughSeq"/>; the filter's paging fields are ignored.
    /// </summary>
    public async IAsyncEnumerable<StoredAuditRecord> ReadStoredAsync(AuditQuery? filter, long fromSeq, long throughSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);

        // Without a filter every row is read in order, index or not; with one, the indexed records first, then the tail.
        var indexedUpto = filter is null ? 0 : await AttachIndexAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var indexed in indexedUpto > 0 ? new[] { true, false } : [false])
        {
            await using var command = connection.CreateCommand();
            var c = indexed ? "i" : "r";
            // The whole log includes tombstones (they keep its place for verifying); a selection matches content, which they lack.
            var sql = Filter(filter is null ? new AuditQuery() : filter with { Before = null }, indexedUpto, indexed, command, skipPruned: filter is not null);
            sql.Append($" AND {c}.seq >= $first AND {c}.seq <= $last ORDER BY {c}.seq");
            command.Parameters.AddWithValue("$first", fromSeq);
            command.Parameters.AddWithValue("$last", throughSeq);
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new StoredAuditRecord(reader.GetInt64(0), (byte[])reader.GetValue(1));
            }
        }
    }

    /// <summary>The highest seq in the log (0 when it is empty).</summary>
    public async Task<long> LastSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM audit_records";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task SelectAsync(SqliteConnection connection, AuditQuery query, long indexedUpto, bool indexed, int count, List<AuditRecord> into, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var sql = Filter(query, indexedUpto, indexed, command);
        var c = indexed ? "i" : "r";
        sql.Append($" ORDER BY {c}.seq DESC LIMIT $limit");
        command.Parameters.AddWithValue("$limit", count);
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            into.Add(Decode(reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }
    }

    // The SELECT of the indexed records (through the index) or of the tail past it, with a condition per filter.
    private static StringBuilder Filter(AuditQuery query, long indexedUpto, bool indexed, SqliteCommand command, bool skipPruned = true)
    {
        // The filter columns have the same names in audit_records (r) and the index's audit_index (i).
        var c = indexed ? "i" : "r";
        // Pruned records have no content left for a filter to match: they are skipped (the log's row says so even
        // where the index still holds what the record was).
        var sql = new StringBuilder(indexed
            ? "SELECT r.seq, r.record FROM idx.audit_index i JOIN main.audit_records r ON r.seq = i.seq WHERE i.seq <= $upto"
            : "SELECT r.seq, r.record FROM main.audit_records r WHERE r.seq > $upto");
        if (skipPruned)
        {
            sql.Append(" AND r.source <> '").Append(SqliteAuditSchema.PrunedSource).Append('\'');
        }

        command.Parameters.AddWithValue("$upto", indexedUpto);

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
            // A person's actions include those of service accounts acting on their behalf.
            Where($"({c}.subject = $user OR {c}.on_behalf_of = $user)", ("$user", user));
        }

        if (query.Role is { } role)
        {
            Where($"{c}.roles LIKE $role ESCAPE '\\'", ("$role", "%|" + EscapeLike(role) + "|%"));
        }

        if (query.Server is { } server)
        {
            Where($"{c}.server {Glob(server)} $server", ("$server", server));
        }

        if (query.Tool is { } tool)
        {
            Where($"{c}.name {Glob(tool)} $tool", ("$tool", tool));
        }

        if (query.Method is { } method)
        {
            Where($"{c}.method = $method", ("$method", method));
        }

        if (query.Decision is { } effect)
        {
            Where($"{c}.effect = $effect", ("$effect", effect.ToString().ToLowerInvariant()));
        }

        if (query.Source is { } source)
        {
            Where($"{c}.source = $source", ("$source", source.ToString().ToLowerInvariant()));
        }

        if (query.Session is { } session)
        {
            Where($"{c}.session_id = $session", ("$session", session));
        }

        if (query.From is { } from)
        {
            Where($"{c}.ts >= $from", ("$from", SqliteAuditSchema.Timestamp(from)));
        }

        if (query.To is { } to)
        {
            Where($"{c}.ts < $to", ("$to", SqliteAuditSchema.Timestamp(to)));
        }

        if (query.Before is { } before)
        {
            Where($"{c}.seq < $before", ("$before", before));
        }

        if (query.Resource is { } resource)
        {
            var colon = resource.IndexOf(':', StringComparison.Ordinal);
            var (kind, pattern) = colon > 0 ? (AuditQuery.ResourceKind(resource[..colon]), resource[(colon + 1)..]) : ((string?)null, resource);

            // "**" (any depth) and "*" are the same to GLOB, which lets "*" cross "/".
            pattern = pattern.Replace("**", "*", StringComparison.Ordinal);
            var kindCondition = kind is null ? "" : (indexed ? "d.kind = $kind AND " : "d.value ->> 'kind' = $kind AND ");
            Where(indexed
                    ? $"i.seq IN (SELECT d.seq FROM idx.audit_resources d WHERE {kindCondition}d.value GLOB $resource)"
                    : $"EXISTS (SELECT 1 FROM json_each(CAST(r.record AS TEXT), '$.data') d WHERE json_valid(CAST(r.record AS TEXT)) AND {kindCondition}d.value ->> 'value' GLOB $resource)",
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

        return sql;
    }

    // A pattern without wildcards is an equality, which lets an index serve the seq order too.
    private static string Glob(string pattern) => pattern.AsSpan().IndexOfAny("*?[") < 0 ? "=" : "GLOB";

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
