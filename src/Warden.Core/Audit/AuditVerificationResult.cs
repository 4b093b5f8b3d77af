namespace Warden.Core.Audit;

/// <summary>
/// What <see cref="AuditVerifier"/> concluded. Records before <see cref="FirstBrokenSeq"/> verified; <see cref="Problem"/>
/// says precisely what is wrong at it.
/// </summary>
/// <param name="Kind">The first problem's kind, or <see cref="AuditProblemKind.None"/>.</param>
/// <param name="FirstBrokenSeq">The first seq that could not be verified (null when intact or a checkpoint is at fault).</param>
/// <param name="Problem">A precise, human-readable description of the first problem; null when intact.</param>
/// <param name="RecordsVerified">How many records were read and verified before stopping.</param>
/// <param name="CheckpointSize">The largest checkpoint tree size matched against the records (0 when none).</param>
/// <param name="RecordsPruned">How many of the verified records are tombstones (content pruned; leaf and hashes kept).</param>
public readonly record struct AuditVerificationResult(AuditProblemKind Kind, long? FirstBrokenSeq, string? Problem, long RecordsVerified, long CheckpointSize, long RecordsPruned = 0)
{
    /// <summary>True when no problem was found.</summary>
    public bool IsIntact => Kind == AuditProblemKind.None;
}
