namespace Warden.Core.Audit;

/// <summary>
/// The records Warden appends about the log's own data lifecycle (erasure, legal holds, pruning): their methods and
/// the resource kinds they list. They are never pruned, and the verifier reads prune records to account for tombstones.
/// </summary>
public static class AuditLifecycle
{
    /// <summary>A data subject's key was destroyed (crypto-shredding); lists the pseudonym as a <see cref="DataSubjectKind"/> resource.</summary>
    public const string Forget = "audit/forget";

    /// <summary>Records past retention were pruned; lists them as <see cref="PrunedRecordsKind"/> resources (seq ranges).</summary>
    public const string Prune = "audit/prune";

    /// <summary>A legal hold was placed.</summary>
    public const string HoldAdd = "audit/hold/add";

    /// <summary>A legal hold was released.</summary>
    public const string HoldRelease = "audit/hold/release";

    /// <summary>Resource kind of a pruned seq range (<c>first-last</c> or <c>n</c>).</summary>
    public const string PrunedRecordsKind = "audit_records";

    /// <summary>Resource kind naming a data subject by pseudonym.</summary>
    public const string DataSubjectKind = "data_subject";

    /// <summary>Resource kind naming a legal hold by id.</summary>
    public const string LegalHoldKind = "legal_hold";

    /// <summary>True for the lifecycle records themselves (kept forever: they are the evidence of what was erased and why).</summary>
    public static bool IsLifecycleRecord(AuditRecord record) =>
        record.Source == AuditSource.Admin && record.Input.Method.StartsWith("audit/", StringComparison.Ordinal);
}
