namespace Warden.Core.Audit;

/// <summary>
/// A filter over the audit log; every field set narrows it. Results come newest first, a page at a time:
/// pass <see cref="AuditPage.NextCursor"/> as <see cref="Before"/> for the next page.
/// </summary>
public sealed record AuditQuery
{
    /// <summary>A subject (exact): the records where they acted, and those where a service account acted on their behalf.</summary>
    public string? User { get; init; }

    /// <summary>One of the acting user's roles (exact).</summary>
    public string? Role { get; init; }

    /// <summary>The upstream server (glob: <c>*</c>, <c>?</c>).</summary>
    public string? Server { get; init; }

    /// <summary>The tool, prompt or resource name (glob).</summary>
    public string? Tool { get; init; }

    /// <summary>The method, e.g. tools/call (exact).</summary>
    public string? Method { get; init; }

    /// <summary>
    /// Data touched, as <c>kind:glob</c>: <c>table:customers*</c>, <c>column:customers.email</c>, <c>file:**/.env</c>,
    /// <c>host:*.example.com</c>, <c>url:</c>, <c>search:</c>, <c>mailbox:</c>, <c>resource:</c>, or any recorded kind.
    /// </summary>
    public string? Resource { get; init; }

    /// <summary>allow or deny.</summary>
    public AuditEffect? Decision { get; init; }

    public AuditSource? Source { get; init; }

    public string? Session { get; init; }

    /// <summary>Records at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Records before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Text anywhere in the record (arguments, output, names), case-insensitive.</summary>
    public string? Text { get; init; }

    /// <summary>Only records with seq below this (the cursor of the previous page).</summary>
    public long? Before { get; init; }

    /// <summary>Page size, 1 to 1000.</summary>
    public int Limit { get; init; } = 100;

    /// <summary>The stored resource kind a query prefix names (<c>table</c> is <c>sql_table</c>, and so on).</summary>
    public static string ResourceKind(string prefix) => prefix switch
    {
        "table" => AuditResourceKind.SqlTable,
        "column" => AuditResourceKind.SqlColumn,
        _ => prefix,
    };
}

/// <summary>One page of query results, newest first, and the cursor for the next (null when there is none).</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Records, long? NextCursor);
