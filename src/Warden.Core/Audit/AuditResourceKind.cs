namespace Warden.Core.Audit;

/// <summary>The resource kinds Warden's extractors emit; others may be added without a schema change.</summary>
public static class AuditResourceKind
{
    /// <summary>A normalised absolute file path.</summary>
    public const string File = "file";

    /// <summary>A SQL table, <c>schema.table</c> where known.</summary>
    public const string SqlTable = "sql_table";

    /// <summary>A SQL column, <c>table.column</c>.</summary>
    public const string SqlColumn = "sql_column";

    /// <summary>A full URL.</summary>
    public const string Url = "url";

    /// <summary>A host name or address.</summary>
    public const string Host = "host";

    /// <summary>A search index or query target.</summary>
    public const string Search = "search";

    /// <summary>A mailbox or message recipient.</summary>
    public const string Mailbox = "mailbox";
}
