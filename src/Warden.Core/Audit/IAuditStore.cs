namespace Warden.Core.Audit;

/// <summary>
/// The append-only audit log: records placed in order (seq, prev_hash, hash), Merkle leaves, signed checkpoints.
/// Every provider (SQLite, PostgreSQL) passes the same contract tests.
/// </summary>
public interface IAuditStore : IAsyncDisposable
{
    /// <summary>
    /// Places a record at the end of the log. Completes once the record is durable (or, with batched durability,
    /// once it is queued); a store that cannot be written answers with an error value, never an exception.
    /// </summary>
    ValueTask<AuditAppendResult> AppendAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>Why the store cannot be written right now, or null when it can.</summary>
    string? Unavailable { get; }

    /// <summary>Records accepted but not yet committed (for the queue-depth metric).</summary>
    int QueueDepth => 0;

    /// <summary>Records kept in a local spool until the log can be written (see <c>audit.onFailure: open</c>).</summary>
    long Spooled => 0;

    /// <summary>Records from <paramref name="fromSeq"/> on, in seq order, as stored.</summary>
    IAsyncEnumerable<AuditRecord> ReadAsync(long fromSeq, CancellationToken cancellationToken);

    /// <summary>The records a query selects, newest first, one page at a time.</summary>
    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>One record by id, or null.</summary>
    Task<AuditRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>The signed checkpoints, oldest first.</summary>
    Task<IReadOnlyList<string>> CheckpointsAsync(CancellationToken cancellationToken);

    /// <summary>How many records the log holds.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>The Merkle leaf hashes of the stored records, for proofs.</summary>
    ILeafHashSource LeafHashes { get; }

    /// <summary>Live subscribers: each committed record is published here, in seq order, once it is in the log.</summary>
    AuditFeed Feed { get; }
}

/// <summary>
/// The outcome of an append: the record as placed in the log, or why it could not be. A spooled record was accepted
/// but not yet placed: it has no seq or hashes until it is replayed into the log.
/// </summary>
public readonly record struct AuditAppendResult(AuditRecord? Record, string? Error, bool Spooled = false)
{
    public bool Succeeded => Record is not null;

    public static AuditAppendResult Failed(string error) => new(null, error);
}
