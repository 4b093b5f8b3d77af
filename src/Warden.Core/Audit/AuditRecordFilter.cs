using System.Text.RegularExpressions;

namespace Warden.Core.Audit;

/// <summary>
/// An <see cref="AuditQuery"/>'s filters applied in memory to one record at a time, as the stores apply them in their
/// queries (for the live stream, which sees records before anyone queries them). Globs take <c>*</c> and <c>?</c>,
/// case-sensitively, and <c>*</c> crosses <c>/</c>, as SQLite's GLOB does.
/// </summary>
public sealed class AuditRecordFilter(AuditQuery query)
{
    private readonly Regex? _server = Glob(query.Server);
    private readonly Regex? _tool = Glob(query.Tool);
    private readonly (string? Kind, Regex Pattern)? _resource = Resource(query.Resource);

    /// <summary>Whether <paramref name="record"/> passes every filter; <paramref name="json"/> is its encoding (for the free-text filter).</summary>
    public bool Matches(AuditRecord record, string json) =>
        (query.User is null || record.User.Subject == query.User)
        && (query.Role is null || record.User.Roles.Contains(query.Role))
        && (_server is null || (record.Input.Server is { } server && _server.IsMatch(server)))
        && (_tool is null || (record.Input.Name is { } name && _tool.IsMatch(name)))
        && (query.Method is null || record.Input.Method == query.Method)
        && (query.Decision is null || record.Decision.Effect == query.Decision)
        && (query.Source is null || record.Source == query.Source)
        && (query.Session is null || record.SessionId == query.Session)
        && (query.From is null || record.Timestamp >= query.From)
        && (query.To is null || record.Timestamp < query.To)
        && (query.Before is null || record.Seq < query.Before)
        && (_resource is not { } resource || record.DataAccessed.Any(d => (resource.Kind is null || d.Kind == resource.Kind) && resource.Pattern.IsMatch(d.Value)))
        && (query.Text is null || json.Contains(query.Text, StringComparison.OrdinalIgnoreCase));

    private static (string? Kind, Regex Pattern)? Resource(string? filter)
    {
        if (filter is null)
        {
            return null;
        }

        var colon = filter.IndexOf(':', StringComparison.Ordinal);
        var (kind, pattern) = colon > 0 ? (AuditQuery.ResourceKind(filter[..colon]), filter[(colon + 1)..]) : ((string?)null, filter);
        return (kind, Glob(pattern.Replace("**", "*", StringComparison.Ordinal))!);
    }

    private static Regex? Glob(string? pattern) => pattern is null
        ? null
        : new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$", RegexOptions.Singleline | RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
}
