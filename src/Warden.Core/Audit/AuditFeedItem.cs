namespace Warden.Core.Audit;

/// <summary>What a live subscriber reads next: a record, or the run of records it lost by falling behind.</summary>
public readonly record struct AuditFeedItem(AuditRecord? Record, long MissedFrom, long MissedTo)
{
    /// <summary>True when this item stands for records the subscriber missed (seq <see cref="MissedFrom"/> to <see cref="MissedTo"/>).</summary>
    public bool IsGap => Record is null;

    /// <summary>How many records the gap stands for.</summary>
    public long Missed => IsGap ? MissedTo - MissedFrom + 1 : 0;

    internal static AuditFeedItem Of(AuditRecord record) => new(record, 0, 0);
}
