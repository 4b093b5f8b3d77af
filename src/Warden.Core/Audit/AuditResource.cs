namespace Warden.Core.Audit;

/// <summary>One piece of data the action touched: a typed resource such as a file, SQL table, URL or mailbox.</summary>
public sealed record AuditResource
{
    /// <summary>The kind (see <see cref="AuditResourceKind"/>), e.g. <c>file</c> or <c>sql_table</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The resource itself, e.g. <c>/srv/app/.env</c> or <c>public.customers</c>.</summary>
    public required string Value { get; init; }

    /// <summary>Rows read or written, when the result reports it.</summary>
    public long? Rows { get; init; }

    /// <summary>Extra string facts (e.g. <c>access: write</c>, <c>query: …</c>).</summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}
