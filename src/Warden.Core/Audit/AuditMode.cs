namespace Warden.Core.Audit;

/// <summary>Whether the deciding policy was enforced or only observed (encoded as its lowercase name).</summary>
public enum AuditMode
{
    /// <summary>The decision was applied.</summary>
    Enforce,

    /// <summary>The decision was recorded but not applied.</summary>
    Monitor,
}
