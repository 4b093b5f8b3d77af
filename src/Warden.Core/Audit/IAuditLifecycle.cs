using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;

namespace Warden.Core.Audit;

/// <summary>
/// The audit log's data lifecycle beside its <see cref="IAuditStore"/>: erasure of a data subject (their key is
/// destroyed), legal holds, and pruning past retention. Each change commits together with a lifecycle record naming
/// it (see <see cref="AuditLifecycle"/>) and a checkpoint signed over that record. Every provider passes the same
/// contract tests.
/// </summary>
public interface IAuditLifecycle
{
    /// <summary>Erases <paramref name="subject"/> by destroying their key; refused while a legal hold covers them.</summary>
    Task<ForgetResult> ForgetAsync(string subject, string? reason, AuditUserIdentity actor, CancellationToken cancellationToken);

    /// <summary>Places a legal hold on a subject, a server glob or a session.</summary>
    Task<AuditHold> AddHoldAsync(AuditHoldKind kind, string target, string reason, AuditUserIdentity actor, CancellationToken cancellationToken);

    /// <summary>Releases an active hold; null when no active hold has that id.</summary>
    Task<AuditHold?> ReleaseHoldAsync(string id, string? reason, AuditUserIdentity actor, CancellationToken cancellationToken);

    /// <summary>Removes the content of records past retention that no hold covers, leaving verifiable tombstones.</summary>
    Task<PruneResult> PruneAsync(RetentionPolicy policy, bool dryRun, AuditUserIdentity actor, CancellationToken cancellationToken);
}
