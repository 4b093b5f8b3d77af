namespace Warden.Core.Configuration;

/// <summary>Allow and deny globs of one kind of thing (servers, tools, prompts, resources) in a role; deny wins.</summary>
public sealed record AccessRules(IReadOnlyList<string> Allow, IReadOnlyList<string> Deny)
{
    /// <summary>Grants nothing.</summary>
    public static AccessRules None { get; } = new([], []);

    /// <summary>Grants everything (within what the role's servers allow).</summary>
    public static AccessRules All { get; } = new(["*"], []);
}
