namespace Warden.Core.Audit.Retention;

/// <summary>What a legal hold covers.</summary>
public enum AuditHoldKind
{
    /// <summary>Every record of one data subject (stored by pseudonym).</summary>
    Subject,

    /// <summary>Every record of the servers a glob matches.</summary>
    Server,

    /// <summary>Every record of one session.</summary>
    Session,
}

/// <summary>
/// A legal hold: records it covers are never pruned, and a held subject cannot be erased, until it is released.
/// </summary>
/// <param name="Id">The hold's id (<c>hold-</c> and 8 hex digits).</param>
/// <param name="Target">The subject's pseudonym, the server glob, or the session id.</param>
/// <param name="Label">What the operator named: the subject id (decrypted; <c>[erased]</c> once the key is gone), else the target.</param>
public sealed record AuditHold(
    string Id,
    AuditHoldKind Kind,
    string Target,
    string Label,
    string Reason,
    DateTimeOffset Created,
    string CreatedBy,
    DateTimeOffset? Released,
    string? ReleasedBy)
{
    /// <summary>True while the hold applies.</summary>
    public bool IsActive => Released is null;

    /// <summary>The kind's name as written in commands and records.</summary>
    public static string Name(AuditHoldKind kind) => kind switch
    {
        AuditHoldKind.Subject => "subject",
        AuditHoldKind.Server => "server",
        _ => "session",
    };
}
