namespace Warden.Core.Authorization;

/// <summary>
/// What the caller's roles decided for one tool, prompt or resource: allowed or not, the rule that decided (a path in
/// the configuration, e.g. <c>roles.engineering.servers.deny</c>), why, and for a tool the justification it needs.
/// </summary>
public readonly record struct AccessDecision(bool Allowed, string RuleId, string Reason, int? JustificationMinLength = null)
{
    /// <summary>No roles are configured, or the caller is an admin: everything is allowed.</summary>
    public static AccessDecision Unrestricted(string reason) => new(true, "", reason);

    /// <summary>True when the call must carry a justification.</summary>
    public bool NeedsJustification => Allowed && JustificationMinLength is not null;
}
