using System.Text.Json;
using System.Text.Json.Nodes;
using Warden.Core.Configuration;

namespace Warden.Core.Audit.Extraction;

/// <summary>
/// Finds the data an action touched in its arguments and result: file paths, SQL tables and columns, URLs and
/// hosts, search indices and queries, mailboxes, and row counts. Configured rules (<c>audit.extract</c>) say
/// exactly where to look for a server's tools; without one, well-known argument names and values that look
/// like paths, URLs, SQL or e-mail addresses are used, which covers the common MCP servers.
/// </summary>
public sealed class ResourceExtractor(IReadOnlyList<ExtractRule> rules)
{
    private const int MaxResources = 200;
    private const int MaxDepth = 8;

    private static readonly HashSet<string> PathKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "path", "paths", "file", "files", "filename", "file_path", "filepath", "source", "destination", "target", "dir", "directory", "root", "cwd", "working_directory", "notebook_path",
    };

    private static readonly HashSet<string> SqlKeys = new(StringComparer.OrdinalIgnoreCase) { "sql", "query", "statement", "statements" };

    private static readonly HashSet<string> MailKeys = new(StringComparer.OrdinalIgnoreCase) { "to", "cc", "bcc", "from", "recipient", "recipients", "mailbox", "email", "sender" };

    private static readonly HashSet<string> IndexKeys = new(StringComparer.OrdinalIgnoreCase) { "index", "indices", "collection", "namespace" };

    public static ResourceExtractor Default { get; } = new([]);

    /// <summary>The resources one call touched, de-duplicated, capped at 200.</summary>
    public IReadOnlyList<AuditResource> Extract(string? server, string? tool, JsonNode? arguments, JsonNode? result)
    {
        var found = new List<AuditResource>();
        try
        {
            ExtractInto(found, server, tool, arguments, result);
        }
        catch (InvalidOperationException)
        {
            // A string System.Text.Json will not read (an escaped unpaired surrogate from an upstream): what was
            // found before it is kept.
        }

        return found.DistinctBy(r => (r.Kind, r.Value)).Take(MaxResources).ToList();
    }

    private void ExtractInto(List<AuditResource> found, string? server, string? tool, JsonNode? arguments, JsonNode? result)
    {
        var matching = rules.Where(r => r.Matches(server, tool)).ToList();
        if (matching.Count > 0)
        {
            foreach (var rule in matching)
            {
                foreach (var value in Select(rule.From.StartsWith("result.", StringComparison.Ordinal) ? result : arguments, rule.From))
                {
                    AddByKind(found, rule.Kind, value);
                }
            }
        }
        else
        {
            Walk(found, null, arguments, 0);
        }

        if (RowCount(result) is { } rows)
        {
            for (var i = 0; i < found.Count; i++)
            {
                if (found[i].Kind == AuditResourceKind.SqlTable && found[i].Rows is null)
                {
                    found[i] = found[i] with { Rows = rows };
                }
            }
        }
    }

    private static void Walk(List<AuditResource> found, string? key, JsonNode? node, int depth)
    {
        if (depth > MaxDepth || found.Count >= MaxResources)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (IndexKeys.FirstOrDefault(obj.ContainsKey) is { } indexKey && Text(obj[indexKey]) is { } index)
                {
                    var query = Text(obj["query"]) ?? Text(obj["q"]);
                    found.Add(new AuditResource { Kind = AuditResourceKind.Search, Value = index, Attributes = query is null ? null : new Dictionary<string, string> { ["query"] = query } });
                }

                foreach (var (childKey, child) in obj)
                {
                    Walk(found, childKey, child, depth + 1);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(found, key, item, depth + 1);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (key is not null && PathKeys.Contains(key) && !text.Contains("://", StringComparison.Ordinal))
                {
                    AddByKind(found, AuditResourceKind.File, text);
                }
                else if (key is not null && SqlKeys.Contains(key) && SqlAccess.LooksLikeSql(text))
                {
                    AddByKind(found, "sql", text);
                }
                else if (LooksLikeUrl(text))
                {
                    AddByKind(found, AuditResourceKind.Url, text);
                }
                else if (key is not null && MailKeys.Contains(key) && text.Contains('@'))
                {
                    AddByKind(found, AuditResourceKind.Mailbox, text);
                }

                break;
        }
    }

    private static void AddByKind(List<AuditResource> found, string kind, string value)
    {
        switch (kind)
        {
            case "sql":
                var access = SqlAccess.Parse(value);
                var statement = string.Join(",", access.Statements);
                foreach (var table in access.Tables)
                {
                    found.Add(new AuditResource { Kind = AuditResourceKind.SqlTable, Value = table, Attributes = statement.Length == 0 ? null : new Dictionary<string, string> { ["statement"] = statement } });
                }

                foreach (var column in access.Columns)
                {
                    found.Add(new AuditResource { Kind = AuditResourceKind.SqlColumn, Value = column });
                }

                break;
            case AuditResourceKind.File:
                found.Add(new AuditResource { Kind = AuditResourceKind.File, Value = PathNormalizer.Normalize(value) });
                break;
            case AuditResourceKind.Url when Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri):
                // Credentials in a URL are a secret; the record keeps the rest.
                var safe = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
                found.Add(new AuditResource { Kind = AuditResourceKind.Url, Value = safe });
                found.Add(new AuditResource { Kind = AuditResourceKind.Host, Value = uri.IsDefaultPort ? uri.Host.ToLowerInvariant() : $"{uri.Host.ToLowerInvariant()}:{uri.Port}" });
                break;
            case AuditResourceKind.Mailbox:
                foreach (var address in value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    found.Add(new AuditResource { Kind = AuditResourceKind.Mailbox, Value = address.ToLowerInvariant() });
                }

                break;
            default:
                found.Add(new AuditResource { Kind = kind, Value = value });
                break;
        }
    }

    private static bool LooksLikeUrl(string text) =>
        text.Length < 4096 && (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("ws://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("wss://", StringComparison.OrdinalIgnoreCase))
        && Uri.TryCreate(text, UriKind.Absolute, out _);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    // Row counts that results commonly report: rowCount/row_count/rowsAffected, or a rows array in structured content.
    private static long? RowCount(JsonNode? result)
    {
        var structured = (result as JsonObject)?["structuredContent"] as JsonObject;
        foreach (var source in new[] { structured, result as JsonObject })
        {
            foreach (var key in new[] { "rowCount", "row_count", "rowsAffected", "rows_affected", "affectedRows" })
            {
                if (source?[key] is JsonValue v && v.TryGetValue<long>(out var n))
                {
                    return n;
                }
            }

            if (source?["rows"] is JsonArray rows)
            {
                return rows.Count;
            }
        }

        return null;
    }

    // "arguments.a.b" / "result.structuredContent.rows": dotted paths; arrays yield each element.
    private static IEnumerable<string> Select(JsonNode? root, string path)
    {
        var parts = path.Split('.');
        IEnumerable<JsonNode?> current = [root];
        foreach (var part in parts.Skip(1))
        {
            current = current.SelectMany(n => n switch
            {
                JsonObject o => [o[part]],
                JsonArray a => a.Select(item => (item as JsonObject)?[part]),
                _ => Array.Empty<JsonNode?>(),
            });
        }

        foreach (var node in current)
        {
            switch (node)
            {
                case JsonArray array:
                    foreach (var item in array)
                    {
                        if (Text(item) is { } s)
                        {
                            yield return s;
                        }
                    }

                    break;
                case JsonValue value:
                    yield return Text(value) ?? value.ToJsonString();
                    break;
            }
        }
    }
}
