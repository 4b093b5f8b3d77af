namespace Warden.Core.Audit.Bundles;

/// <summary>
/// What <see cref="AuditBundleVerifier"/> concluded about a bundle: the verdict in the form <see cref="AuditVerifier"/>
/// gives for a database, the record found where the first problem is, and what the bundle holds.
/// </summary>
public sealed record BundleVerification(AuditVerificationResult Result, AuditRecord? RecordAtProblem, AuditBundleManifest? Manifest, IReadOnlyList<string> Checkpoints)
{
    /// <summary>For a selection: how many earlier checkpoints were proven consistent with the latest.</summary>
    public int ConsistentCheckpoints { get; init; }
}
