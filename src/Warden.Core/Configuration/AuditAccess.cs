namespace Warden.Core.Configuration;

/// <summary>What a role may do with the audit log (<c>roles.&lt;name&gt;.audit</c>).</summary>
public enum AuditAccess
{
    /// <summary>No access to the audit API.</summary>
    None,

    /// <summary>Query, export and follow the audit log.</summary>
    Read,
}
