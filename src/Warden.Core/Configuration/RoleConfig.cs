namespace Warden.Core.Configuration;

/// <summary>
/// One <c>roles.&lt;name&gt;</c> entry: what a caller holding the role may use. A role grants a tool when the tool's
/// server matches <see cref="Servers"/>, its name matches <see cref="Tools"/>, and (for a <see cref="ReadOnly"/> role)
/// the tool is read-only; a deny glob beats an allow glob within the role. A caller with several roles gets the union
/// of what each grants.
/// </summary>
public sealed record RoleConfig
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Server name globs the role reaches; nothing by default.</summary>
    public AccessRules Servers { get; init; } = AccessRules.None;

    /// <summary>Tool globs: with <c>__</c> over qualified names (<c>server__tool</c>), else over the tool's own name on any of the role's servers.</summary>
    public AccessRules Tools { get; init; } = AccessRules.All;

    /// <summary>Prompt globs, read like <see cref="Tools"/>.</summary>
    public AccessRules Prompts { get; init; } = AccessRules.All;

    /// <summary>Resource URI globs (<c>*</c> crosses <c>/</c>).</summary>
    public AccessRules Resources { get; init; } = AccessRules.All;

    /// <summary>Only read-only tools: those the upstream marks <c>readOnlyHint: true</c> or that match <see cref="ReadOnlyTools"/>.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Tools this role treats as read-only whatever their annotations say (for servers that annotate nothing).</summary>
    public IReadOnlyList<string> ReadOnlyTools { get; init; } = [];

    /// <summary>Tool globs whose calls need a written justification under this role (<c>*</c> for all).</summary>
    public IReadOnlyList<string> RequireJustification { get; init; } = [];

    /// <summary>The shortest justification accepted, in characters.</summary>
    public int JustificationMinLength { get; init; } = 10;

    /// <summary>Whether the role may read the audit log (<c>/api/v1/audit…</c>).</summary>
    public AuditAccess Audit { get; init; } = AuditAccess.None;
}
