namespace Warden.Core.Audit;

/// <summary>
/// What is left of a record pruned by retention: when it was pruned and its Merkle leaf hash (lowercase hex), so the
/// tree and the hash chain over the log stay verifiable without the content.
/// </summary>
public sealed record AuditTombstone(DateTimeOffset At, string LeafHash)
{
    /// <summary>When the content was removed, UTC, kept to whole microseconds like record timestamps.</summary>
    public DateTimeOffset At { get; init; } = new(At.UtcTicks - (At.UtcTicks % 10), TimeSpan.Zero);
}
