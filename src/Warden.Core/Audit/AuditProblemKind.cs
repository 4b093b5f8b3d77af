namespace Warden.Core.Audit;

/// <summary>What kind of tampering (or damage) <see cref="AuditVerifier"/> found first.</summary>
public enum AuditProblemKind
{
    /// <summary>Nothing: the log is intact.</summary>
    None,

    /// <summary>A checkpoint's signature does not verify, it is malformed, or two checkpoints disagree.</summary>
    ForgedCheckpoint,

    /// <summary>A record's content does not match its hash, or it cannot be read or encoded.</summary>
    EditedRecord,

    /// <summary>The sequence skips numbers: records were deleted.</summary>
    MissingRecord,

    /// <summary>A sequence number repeats or goes backwards: records were inserted, duplicated or reordered.</summary>
    OutOfOrderRecord,

    /// <summary>A record's prev_hash is not the previous record's hash.</summary>
    BrokenChain,

    /// <summary>The Merkle root over the records differs from a signed checkpoint's root.</summary>
    RootMismatch,

    /// <summary>The log has fewer records than a signed checkpoint covers: its tail was cut off.</summary>
    TruncatedTail,

    /// <summary>A record of an export bundle has no inclusion proof, or its proof does not lead to the signed checkpoint's root.</summary>
    NotInCheckpoint,

    /// <summary>An export bundle's manifest does not match its files (hashes, counts, seq range, files listed).</summary>
    ManifestMismatch,

    /// <summary>
    /// A record's content was removed (it is a tombstone) but no prune record covered by a signed checkpoint lists it:
    /// it was pruned outside Warden's prune path.
    /// </summary>
    UnaccountedPrune,
}
