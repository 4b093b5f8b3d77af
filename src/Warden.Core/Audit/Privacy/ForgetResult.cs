using Warden.Core.Audit.Retention;

namespace Warden.Core.Audit.Privacy;

/// <summary>What <c>forget</c> did.</summary>
public enum ForgetStatus
{
    /// <summary>The subject's key was destroyed and the erasure recorded.</summary>
    Erased,

    /// <summary>The subject has no key: never seen, or already erased. Nothing changed.</summary>
    NoKey,

    /// <summary>A legal hold covers the subject; nothing changed.</summary>
    Held,
}

/// <summary>The outcome of erasing a data subject.</summary>
/// <param name="Record">The erasure record as placed in the log (null unless erased).</param>
/// <param name="WalTruncated">False when a reader kept the WAL from being truncated at once.</param>
public sealed record ForgetResult(ForgetStatus Status, string? Pseudonym, IReadOnlyList<AuditHold> Holds, AuditRecord? Record, long CheckpointSize, bool WalTruncated);
