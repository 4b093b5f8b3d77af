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
    private readonly bool _rolesUnrestricted;
    private readonly Glob[] _serverScope;
    private readonly Glob[] _toolScope;

    internal CallerAccess(IReadOnlyList<string> roles, bool unrestricted, bool admin, CompiledRole[] known, string[] configured, IReadOnlyList<string>? serverScope = null, IReadOnlyList<string>? toolScope = null)
    {
        Roles = roles;
        _rolesUnrestricted = unrestricted;
        _serverScope = [.. (serverScope ?? []).Select(g => new Glob(g))];
        _toolScope = [.. (toolScope ?? []).Select(g => new Glob(g))];
        Unrestricted = unrestricted && _serverScope.Length == 0 && _toolScope.Length == 0;
        IsAdmin = admin;
        _roles = known;
        _configured = configured;
    }

    /// <summary>Every role the caller holds (configured or not).</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>True when nothing is filtered: no roles are configured, or the caller holds <c>admin</c>, and the credential has no scope.</summary>
    public bool Unrestricted { get; }

    public bool IsAdmin { get; }

    /// <summary>Whether the caller may read the audit log (<c>admin</c>, or a role with <c>audit: read</c>).</summary>
    public bool CanReadAudit => IsAdmin || _roles.Any(r => r.Config.Audit == AuditAccess.Read);

    public bool CanReachServer(string server) => InScope(_serverScope, server) && (_rolesUnrestricted || _roles.Any(r => r.Server(server).Allowed));

    /// <summary>Decides a tool; <paramref name="readOnlyHint"/> is the upstream's annotation (false when absent).</summary>
    public AccessDecision Tool(string server, string tool, bool readOnlyHint) =>
        OutOfScope(server, tool, $"tool '{QualifiedName.Join(server, tool)}'") ?? (_rolesUnrestricted ? Everything() : Union(r => r.Tool(server, tool, readOnlyHint), $"tool '{QualifiedName.Join(server, tool)}'"));

    public AccessDecision Prompt(string server, string prompt) =>
        OutOfScope(server, null, $"prompt '{QualifiedName.Join(server, prompt)}'") ?? (_rolesUnrestricted ? Everything() : Union(r => r.Prompt(server, prompt), $"prompt '{QualifiedName.Join(server, prompt)}'"));

    public AccessDecision Resource(string server, string uri) =>
        OutOfScope(server, null, $"resource '{uri}' of server '{server}'") ?? (_rolesUnrestricted ? Everything() : Union(r => r.Resource(server, uri), $"resource '{uri}' of server '{server}'"));

    // An API key's scope narrows what its roles grant: a server (and, for tools, a tool name) outside it is refused
    // whatever the roles say.
    private AccessDecision? OutOfScope(string server, string? tool, string what)
    {
        if (!InScope(_serverScope, server))
        {
            return new(false, "key.scope.servers", $"the credential is limited to servers {string.Join(", ", _serverScope.Select(g => g.Pattern))}, so may not use {what}");
        }

        return tool is not null && !InScope(_toolScope, tool)
            ? new(false, "key.scope.tools", $"the credential is limited to tools {string.Join(", ", _toolScope.Select(g => g.Pattern))}, so may not use {what}")
            : null;
    }

    private static bool InScope(Glob[] scope, string name) => scope.Length == 0 || scope.Any(g => g.IsMatch(name));

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
