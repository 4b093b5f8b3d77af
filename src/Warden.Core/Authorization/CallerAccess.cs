using Warden.Core.Configuration;
using Warden.Core.Naming;

namespace Warden.Core.Authorization;

/// <summary>
/// What one caller may use: the union of what each of their roles grants. Within a role a deny glob beats an allow
/// glob; across roles any grant suffices. A tool needs a justification only when every role that grants it asks for
/// one. Role names no role is configured under grant nothing.
/// </summary>
public sealed class CallerAccess
{
    private readonly CompiledRole[] _roles;
    private readonly string[] _configured;

    internal CallerAccess(IReadOnlyList<string> roles, bool unrestricted, bool admin, CompiledRole[] known, string[] configured)
    {
        Roles = roles;
        Unrestricted = unrestricted;
        IsAdmin = admin;
        _roles = known;
        _configured = configured;
    }

    /// <summary>Every role the caller holds (configured or not).</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>True when nothing is filtered: no roles are configured, or the caller holds <c>admin</c>.</summary>
    public bool Unrestricted { get; }

    public bool IsAdmin { get; }

    /// <summary>Whether the caller may read the audit log (<c>admin</c>, or a role with <c>audit: read</c>).</summary>
    public bool CanReadAudit => IsAdmin || _roles.Any(r => r.Config.Audit == AuditAccess.Read);

    public bool CanReachServer(string server) => Unrestricted || _roles.Any(r => r.Server(server).Allowed);

    /// <summary>Decides a tool; <paramref name="readOnlyHint"/> is the upstream's annotation (false when absent).</summary>
    public AccessDecision Tool(string server, string tool, bool readOnlyHint) =>
        Unrestricted ? Everything() : Union(r => r.Tool(server, tool, readOnlyHint), $"tool '{QualifiedName.Join(server, tool)}'");

    public AccessDecision Prompt(string server, string prompt) =>
        Unrestricted ? Everything() : Union(r => r.Prompt(server, prompt), $"prompt '{QualifiedName.Join(server, prompt)}'");

    public AccessDecision Resource(string server, string uri) =>
        Unrestricted ? Everything() : Union(r => r.Resource(server, uri), $"resource '{uri}' of server '{server}'");

    private AccessDecision Everything() => AccessDecision.Unrestricted(IsAdmin ? "the caller holds the built-in admin role" : "no roles are configured");

    private AccessDecision Union(Func<CompiledRole, AccessDecision> decide, string what)
    {
        if (_roles.Length == 0)
        {
            var held = Roles.Count == 0 ? "no role" : $"only roles no configuration defines ({string.Join(", ", Roles)})";
            return new(false, "roles", $"the caller holds {held}, so may not use {what} (roles: {string.Join(", ", _configured)})");
        }

        AccessDecision? justified = null;
        AccessDecision? denied = null;
        foreach (var role in _roles)
        {
            var decision = decide(role);
            if (decision.Allowed && !decision.NeedsJustification)
            {
                return decision;
            }

            if (decision.Allowed)
            {
                justified = justified is { } other && other.JustificationMinLength <= decision.JustificationMinLength ? other : decision;
            }
            else if (denied is null || (denied.Value.RuleId.EndsWith(".servers", StringComparison.Ordinal) && !decision.RuleId.EndsWith(".servers", StringComparison.Ordinal)))
            {
                // The most telling denial: a rule of a role that reaches the server over one that does not.
                denied = decision;
            }
        }

        return justified ?? denied!.Value with { Reason = $"{denied.Value.Reason}; roles held: {string.Join(", ", Roles)}" };
    }
}
