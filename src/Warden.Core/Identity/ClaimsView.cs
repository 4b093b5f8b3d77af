namespace Warden.Core.Identity;

/// <summary>The facts about a caller that role mapping reads: groups, IdP roles, e-mail, and any claim by name.</summary>
public sealed record ClaimsView(IReadOnlyList<string> Groups, IReadOnlyList<string> Roles, string? Email, Func<string, IReadOnlyList<string>> Claim);
