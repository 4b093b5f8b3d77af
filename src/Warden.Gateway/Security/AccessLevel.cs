namespace Warden.Gateway.Security;

/// <summary>What an operator endpoint asks of its caller's roles.</summary>
public enum AccessLevel
{
    /// <summary>The admin key, or a role in <c>auth.adminRoles</c>.</summary>
    Admin,

    /// <summary>Reading the audit log: an admin, or a role in <c>auth.auditorRoles</c>.</summary>
    AuditRead,

    /// <summary>Scraping metrics: an admin, or a role in <c>auth.metricsRoles</c>.</summary>
    Metrics,
}
