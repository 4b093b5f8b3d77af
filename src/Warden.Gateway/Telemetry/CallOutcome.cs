namespace Warden.Gateway.Telemetry;

/// <summary>How one client call ended, as the <c>warden.outcome</c> attribute names it.</summary>
internal enum CallOutcome
{
    Ok,
    Error,
    Denied,
    AuditUnavailable,
}
