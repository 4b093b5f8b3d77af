using Warden.Core.Configuration;
using Warden.Core.Pipeline;

namespace Warden.Core.Authorization;

/// <summary>
/// The <c>roles</c> and <c>users</c> sections compiled for evaluation. With no role configured the policy is
/// <see cref="Enabled"/> false and every caller may use everything (the embedded default). The built-in role
/// <c>admin</c> may use everything, including the audit log, and needs no justification.
/// </summary>
public sealed class RolePolicy
{
    /// <summary>The built-in all-access role (the loopback local user holds it).</summary>
    public const string AdminRole = "admin";

    private readonly Dictionary<string, CompiledRole> _roles;
    private readonly IReadOnlyDictionary<string, UserConfig> _users;

    public RolePolicy(WardenConfig config)
    {
        Config = config;
        _roles = config.Roles.Values.ToDictionary(r => r.Name, r => new CompiledRole(r), StringComparer.OrdinalIgnoreCase);
        _users = config.Users;
    }

    /// <summary>The configuration this policy was compiled from.</summary>
    public WardenConfig Config { get; }

    /// <summary>True when at least one role is configured, so access is restricted to what roles grant.</summary>
    public bool Enabled => _roles.Count > 0;

    /// <summary>The roles a caller holds: those its credential carries plus those <c>users</c> assigns to its subject or e-mail.</summary>
    public IReadOnlyList<string> RolesOf(Caller caller)
    {
        var assigned = UserOf(caller)?.Roles ?? [];
        if (assigned.Count == 0)
        {
            return caller.Roles;
        }

        return [.. caller.Roles.Concat(assigned).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The <c>users</c> entry for a caller (by subject, then e-mail), if any.</summary>
    public UserConfig? UserOf(Caller caller) =>
        _users.TryGetValue(caller.Subject, out var user) || (caller.Email is { } email && _users.TryGetValue(email, out user)) ? user : null;

    /// <summary>What this caller may use, evaluated against this configuration.</summary>
    public CallerAccess For(Caller caller)
    {
        var roles = RolesOf(caller);
        var admin = roles.Any(r => string.Equals(r, AdminRole, StringComparison.OrdinalIgnoreCase));
        var known = roles.Select(r => _roles.GetValueOrDefault(r)).OfType<CompiledRole>().ToArray();
        return new CallerAccess(roles, !Enabled || admin, admin, known, [.. _roles.Keys], caller.ServerScope, caller.ToolScope);
    }

    /// <summary>The access of the roles alone (for <c>warden users endpoint</c>, where no credential exists).</summary>
    public CallerAccess ForRoles(IReadOnlyList<string> roles) => For(new Caller("(roles)", null, "config", roles));
}
